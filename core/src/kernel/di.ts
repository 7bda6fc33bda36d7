/**
 * Dependency injection on tsyringe, with types the compiler checks.
 *
 * tsyringe's `@inject(token)` cannot see the parameter it decorates, so a wrong token compiles
 * and fails (or, worse, resolves the wrong thing) at run time. Here a class names its
 * dependency tokens once, in order, with {@link injectable}; the compiler checks that list
 * against the constructor's parameters (each token's type must fit its parameter, and the
 * counts must agree), the way typed-inject and Backstage's service refs do. The helper then
 * records the tokens as tsyringe metadata, so tsyringe still builds the object graph.
 *
 * Only this file imports tsyringe. Module code declares tokens ({@link token}) beside the
 * class that implements them and decorates its classes; the composition root
 * (`core/src/composition/`) registers them in a {@link Container} and is the only code that
 * resolves (tests may too).
 */
import 'reflect-metadata';
import { container as globalContainer, inject, injectable as tsyringeInjectable, Lifecycle as Scope, type DependencyContainer } from 'tsyringe';

declare const RESOLVES_TO: unique symbol;

/** A typed token: a unique symbol that carries the type of what it resolves to. */
export type Token<T> = symbol & { readonly [RESOLVES_TO]?: (value: T) => T };

/** Makes a token; `description` shows in errors (`gofer.run-store`). */
export function token<T>(description: string): Token<T> {
  return Symbol(description);
}

type AnyToken = Token<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The values a list of tokens resolves to, in order. */
export type Resolved<Tokens extends readonly AnyToken[]> = { -readonly [K in keyof Tokens]: Tokens[K] extends Token<infer T> ? T : never };

/** What the compiler reports when a class's tokens do not fit its constructor. */
interface TokensDoNotMatchConstructor<Tokens, Parameters> {
  readonly 'the @injectable tokens resolve to': Tokens;
  readonly 'but the constructor takes': Parameters;
}

type Constructor = new (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `unknown` (no constraint) when the resolved values fit the constructor's parameters, else an error type. */
type Fits<C extends Constructor, Tokens extends readonly AnyToken[]> = [Resolved<Tokens>] extends [ConstructorParameters<C>]
  ? unknown
  : TokensDoNotMatchConstructor<Resolved<Tokens>, ConstructorParameters<C>>;

/** Marks classes decorated by {@link injectable}: registering an undecorated class is refused. */
const DECLARED = new WeakSet<object>();

/**
 * Declares a class's dependencies, one token per constructor parameter, in order:
 *
 * ```ts
 * @injectable(DATABASE, GROUP_COMMIT)
 * export class RunStore {
 *   constructor(private readonly db: SqliteDatabase, private readonly group: GroupCommit) {}
 * }
 * ```
 * A token whose type does not fit its parameter, or one token too many or too few, is a
 * compile error at the decorator.
 */
export function injectable<const Tokens extends readonly AnyToken[]>(...tokens: Tokens) {
  return <C extends Constructor>(target: C & Fits<C, Tokens>): void => {
    tokens.forEach((t, index) => {
      inject(t)(target, undefined, index);
    });
    tsyringeInjectable()(target);
    DECLARED.add(target);
  };
}

/** A class made by {@link injectable} whose instances are `T`. */
export type InjectableClass<T> = new (...args: any[]) => T; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * A late-bound value: made early by the module that needs it, bound later by the module that
 * provides it. The plugin host hands extensions `ctx.startRun` before the runs module and the
 * trigger host exist; the trigger host binds the real starter once they do.
 */
export class LateBinding<T> {
  private value: T | undefined;
  private bound = false;

  constructor(
    readonly description: string,
    private readonly unbound: () => Error,
  ) {}

  /** Binds the value once; a second bind is a wiring bug. */
  bind(value: T): void {
    if (this.bound) throw new Error(`${this.description} is already bound`);
    this.value = value;
    this.bound = true;
  }

  get isBound(): boolean {
    return this.bound;
  }

  /** The bound value; throws the `unbound` error when nothing is bound yet. */
  get(): T {
    if (!this.bound) throw this.unbound();
    return this.value as T;
  }
}

/**
 * A typed view of one tsyringe container. `singleton` and `factory` make one value, built from
 * the container they are registered in, even when a child resolves them first (a root service
 * never captures one run's values); `child()` sees its parent's registrations. `transient`
 * makes a new instance per resolve, built from the resolving container: a run's child container
 * gives a run execution its run id.
 */
export class Container {
  private constructor(private readonly inner: DependencyContainer) {}

  /** A fresh root container (a child of tsyringe's global one: instances never share state). */
  static root(): Container {
    return new Container(globalContainer.createChildContainer());
  }

  value<T>(key: Token<T>, value: T): this {
    this.inner.register(key, { useValue: value });
    return this;
  }

  /** One instance of `cls`, made on first resolve. */
  singleton<T>(key: Token<T>, cls: InjectableClass<T>): this {
    checked(cls);
    let made: { value: T } | undefined;
    this.inner.register(key, { useFactory: () => (made ??= { value: this.inner.resolve(cls) }).value });
    return this;
  }

  /** A new instance of `cls` on every resolve, its dependencies resolved from the resolving container. */
  transient<T>(key: Token<T>, cls: InjectableClass<T>): this {
    this.inner.register(key, { useClass: checked(cls) }, { lifecycle: Scope.Transient });
    return this;
  }

  /** One value made by `make` from `deps` on first resolve; the compiler checks `deps` against `make`. */
  factory<T, const Tokens extends readonly AnyToken[]>(key: Token<T>, deps: Tokens, make: (...args: Resolved<Tokens>) => T): this {
    let made: { value: T } | undefined;
    this.inner.register(key, {
      useFactory: () => (made ??= { value: make(...(deps.map((d: AnyToken) => this.inner.resolve<unknown>(d)) as Resolved<Tokens>)) }).value,
    });
    return this;
  }

  /** `key` resolves to whatever `target` resolves to (one object behind two tokens; `U` must fit `T`). */
  alias<T, U extends T>(key: Token<T>, target: Token<U>): this {
    this.inner.register(key, { useToken: target });
    return this;
  }

  resolve<T>(key: Token<T>): T {
    return this.inner.resolve<T>(key);
  }

  isRegistered<T>(key: Token<T>): boolean {
    return this.inner.isRegistered(key, true);
  }

  child(): Container {
    return new Container(this.inner.createChildContainer());
  }

  dispose(): void {
    void this.inner.dispose();
  }
}

function checked<T>(cls: InjectableClass<T>): InjectableClass<T> {
  if (!DECLARED.has(cls)) throw new Error(`${cls.name} is registered but does not declare its dependencies with @injectable(...)`);
  return cls;
}
