// Counts the typed arrays a parse worker allocates, so that its memory bound covers what V8's heap limits do not.

/**
 * A worker's `resourceLimits` bound its JavaScript heap only: typed arrays live in buffers outside it,
 * and a moov's sample tables are typed arrays (a crafted stsz of millions of entries grows them to
 * gigabytes). In the worker, the typed array constructors are replaced by subclasses that charge each
 * new buffer to a budget and throw BudgetExceeded past it, before the memory is taken.
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
  const globals = globalThis as unknown as Record<string, new (...args: unknown[]) => ArrayBufferView>;
  for (const name of CONSTRUCTORS) {
    const Base = globals[name] as unknown as { new (...args: unknown[]): ArrayBufferView; BYTES_PER_ELEMENT: number };
    // Only a length (or an array-like to copy) allocates a new buffer; a view on an existing buffer costs nothing.
    const Counted = class extends Base {
      constructor(...args: unknown[]) {
        const [first] = args;
        if (typeof first === 'number') charge(first * Base.BYTES_PER_ELEMENT);
        else if (first !== null && typeof first === 'object' && !(first instanceof ArrayBuffer) && !(first instanceof SharedArrayBuffer)) {
          const length = (first as { length?: number }).length;
          if (typeof length === 'number') charge(length * Base.BYTES_PER_ELEMENT);
        }
        super(...args);
      }
    };
    Object.defineProperty(Counted, 'name', { value: name });
    globals[name] = Counted as unknown as new (...args: unknown[]) => ArrayBufferView;
  }
  return {
    reset: () => (charged = 0),
    get chargedBytes() {
      return charged;
    },
  };
}
