// Counts the typed arrays a parse worker allocates, so that its memory bound covers what V8's heap limits do not.

/**
 * A worker's `resourceLimits` bound its JavaScript heap only: typed arrays live in buffers outside it,
 * and a moov's sample tables are typed arrays (a crafted stsz of millions of entries grows them to
 * gigabytes). In the worker, the global typed array constructors are replaced by functions that charge
 * each new buffer to a budget and throw BudgetExceeded past it, before the memory is taken.
 */
export class BudgetExceeded extends RangeError {
  readonly budgetExceeded = true;
}

const CONSTRUCTORS = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'] as const;

export interface TypedArrayBudget {
  /** Starts a new job's count. */
  reset(): void;
  readonly chargedBytes: number;
}

/** Installs the counting constructors in this thread's globals (call it in a worker only) and returns the budget. */
export function installTypedArrayBudget(limitBytes: number): TypedArrayBudget {
  let charged = 0;
  const charge = (bytes: number) => {
    if (charged + bytes > limitBytes) {
      throw new BudgetExceeded(`parsing needs more than ${Math.round(limitBytes / 1048576)} MiB of sample tables`);
    }
    charged += bytes;
  };
  const globals = globalThis as unknown as Record<string, unknown>;
  for (const name of CONSTRUCTORS) {
    const Base = globals[name] as { new (...args: unknown[]): ArrayBufferView; BYTES_PER_ELEMENT: number; prototype: object };
    // A plain function that returns the native array, not a subclass: instances keep the built-in
    // prototype, so V8's fast paths (subarray, slice, species lookups) stay intact. Only a length (or an
    // array-like to copy) allocates a new buffer; a view on an existing buffer costs nothing.
    const Counted = function (this: unknown, ...args: unknown[]): ArrayBufferView {
      if (!new.target) throw new TypeError(`Constructor ${name} requires 'new'`);
      const [first] = args;
      if (typeof first === 'number') charge(first * Base.BYTES_PER_ELEMENT);
      else if (first !== null && typeof first === 'object' && !(first instanceof ArrayBuffer) && !(first instanceof SharedArrayBuffer)) {
        const length = (first as { length?: number }).length;
        if (typeof length === 'number') charge(length * Base.BYTES_PER_ELEMENT);
      }
      return Reflect.construct(Base, args);
    };
    // `instanceof`, `BYTES_PER_ELEMENT`, `from` and `of` behave as the built-in's.
    Object.setPrototypeOf(Counted, Base);
    Object.defineProperty(Counted, 'prototype', { value: Base.prototype });
    Object.defineProperty(Counted, 'name', { value: name });
    globals[name] = Counted;
  }
  return {
    reset: () => (charged = 0),
    get chargedBytes() {
      return charged;
    },
  };
}
