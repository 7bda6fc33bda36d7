/**
 * Compile-time checks of the DI helper (core/src/kernel/di.ts), type-checked by `npm run lint`
 * (tsc -p tsconfig.tsx.json): each `@ts-expect-error` must stay an error, so a change that stops
 * the compiler from catching a wrong token fails the lint.
 */
import { Container, injectable, token } from '../../core/src/kernel/di.js';

interface Clock {
  now(): number;
}
const NAME = token<string>('check.name');
const COUNT = token<number>('check.count');
const CLOCK = token<Clock & { zone: string }>('check.clock');

@injectable(NAME, COUNT)
export class Fits {
  constructor(
    readonly name: string,
    readonly count: number,
  ) {}
}

// A token may resolve to more than its parameter needs.
@injectable(CLOCK)
export class Wider {
  constructor(readonly clock: Clock) {}
}

// @ts-expect-error the tokens are in the wrong order
@injectable(COUNT, NAME)
export class Swapped {
  constructor(
    readonly name: string,
    readonly count: number,
  ) {}
}

// @ts-expect-error one token too few
@injectable(NAME)
export class TooFew {
  constructor(
    readonly name: string,
    readonly count: number,
  ) {}
}

// @ts-expect-error one token too many
@injectable(NAME, COUNT, NAME)
export class TooMany {
  constructor(
    readonly name: string,
    readonly count: number,
  ) {}
}

// @ts-expect-error the token resolves to less than the parameter needs
@injectable(NAME)
export class Narrower {
  constructor(readonly name: 'a' | 'b') {}
}

const root = Container.root();
root.singleton(token<Fits>('check.fits'), Fits);
// @ts-expect-error the class does not make what the token promises
root.singleton(token<Fits>('check.fits'), Wider);
root.factory(token<string>('check.label'), [NAME, COUNT], (name: string, count: number) => `${name}${count}`);
// @ts-expect-error the factory's parameters do not fit its tokens
root.factory(token<string>('check.label'), [NAME, COUNT], (count: number, name: string) => `${name}${count}`);
// @ts-expect-error an alias must resolve to something that fits
root.alias(token<Fits>('check.alias'), NAME);
