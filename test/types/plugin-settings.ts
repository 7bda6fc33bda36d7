/** The settings type `create` receives is inferred from the settings schema. */
import { defineExtension, defineScheduler, Type, type Scheduler } from '@gofer/core/api';

const scheduler = {} as Scheduler;

defineScheduler({
  name: 'typed',
  apiVersion: 1,
  settingsSchema: Type.Object({ socketPath: Type.Optional(Type.String()), retries: Type.Integer({ default: 3 }) }),
  create: (_ctx, settings) => {
    const retries: number = settings.retries; // a key with a default is always present
    const socket: string | undefined = settings.socketPath;
    // @ts-expect-error an optional key may be absent
    const socketAlways: string = settings.socketPath;
    // @ts-expect-error no such key
    void settings.nope;
    void [retries, socket, socketAlways];
    return scheduler;
  },
});

// A plain JSON Schema literal is inferred too (plain-JS authors need no TypeBox).
defineScheduler({
  name: 'plain',
  apiVersion: 1,
  settingsSchema: { type: 'object', properties: { level: { type: 'integer' } }, required: ['level'] },
  create: (_ctx, settings) => {
    const level: number = settings.level;
    // @ts-expect-error level is a number
    const wrong: string = settings.level;
    void [level, wrong];
    return scheduler;
  },
});

// A loosely typed schema gives a record; an explicit type argument still works.
const loose: Record<string, unknown> = { type: 'object' };
defineScheduler({ name: 'loose', apiVersion: 1, settingsSchema: loose, create: (_ctx, settings: Record<string, unknown>) => (void settings, scheduler) });
defineScheduler<{ depth: number }>({ name: 'explicit', apiVersion: 1, settingsSchema: loose, create: (_ctx, settings) => (void settings.depth, scheduler) });

defineExtension({
  name: 'typed-ext',
  apiVersion: 1,
  settingsSchema: Type.Object({ port: Type.Integer({ default: 8091 }) }),
  create: (_ctx, settings) => {
    const port: number = settings.port;
    void port;
    return { subscribe: async () => undefined, unsubscribe: async () => undefined };
  },
});
