/**
 * Ownership of disposables: an object that holds VS Code registrations, listeners or timers extends `Disposable`
 * and hands each one to `_register`, so disposing the owner disposes everything it registered, once, newest
 * first. Something registered after the owner was disposed is disposed at once (it would otherwise leak).
 */

/** Anything with a `dispose()` (VS Code's `Disposable` and our own objects alike). */
export interface IDisposable {
  dispose(): void;
}

/** Disposes each item (newest first); one failing does not keep the others alive. Returns the first error. */
export function disposeAll(items: IDisposable[]): unknown {
  let first: unknown;
  while (items.length) {
    try {
      items.pop()!.dispose();
    } catch (error) {
      first ??= error;
    }
  }
  return first;
}

/** A function run on dispose, as a disposable. */
export function toDisposable(dispose: () => void): IDisposable {
  return { dispose };
}

export abstract class Disposable implements IDisposable {
  private _disposed = false;
  private readonly _disposables: IDisposable[] = [];

  protected get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    const error = disposeAll(this._disposables);
    if (error) throw error;
  }

  protected _register<T extends IDisposable>(value: T): T {
    if (this._disposed) value.dispose();
    else this._disposables.push(value);
    return value;
  }
}
