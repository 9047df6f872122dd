import { AsyncLocalStorage } from "node:async_hooks";
import { ROOT_CONTEXT, type Context, type ContextManager } from "@opentelemetry/api";

/*
 * The active context in an AsyncLocalStorage, like the SDK's AsyncLocalStorageContextManager, plus
 * `enter`: the kit's HTTP server instrumentation learns of a request from a diagnostics channel, not by
 * wrapping the code that handles it, so it can only make the request's context current for the rest of
 * the execution that then calls the handler (and everything that execution schedules).
 *
 * `bind` binds functions only: what the kit's instrumentations hand it are callbacks, and binding an
 * event emitter would wrap every listener added to it.
 */
export class KitContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const callback = thisArg === undefined || thisArg === null ? fn : fn.bind(thisArg);
    return this.storage.run(context, callback, ...args);
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== "function") return target;
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return function bound(this: unknown, ...args: unknown[]) {
      return manager.storage.run(context, () => fn.apply(this, args));
    } as unknown as T;
  }

  /** Makes `context` the active one for the rest of the current execution and what it schedules. */
  enter(context: Context): void {
    this.storage.enterWith(context);
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}
