/**
 * The histogram GBM's WebAssembly kernel (kernel.wasm, built from ./assembly/kernel.ts by
 * `npm run build:wasm`) and the memory its arrays live in.
 *
 * A thread fits one model at a time, so each thread keeps one shared WebAssembly memory and lends
 * it to the fit under way (`KernelMemory.acquire`); a fit's arrays are carved from it by a bump
 * allocator and dropped all at once when it ends. The memory grows to the largest fit the thread
 * has made and stays that size (up to 256 MiB; a larger one is left to the garbage collector after
 * its fit). Being shared, it reaches the fit's helper threads without copying,
 * and views made before a growth stay valid.
 */
import * as fs from 'fs';
import * as path from 'path';

export interface KernelExports {
  heapBase(): number;
  histogram(codes: number, n: number, nF: number, offsets: number, rows: number, indirect: number, start: number, end: number, gh: number, hist: number, counts: number): void;
  histogramRows(rowCodes: number, nF: number, fa: number, fb: number, offsets: number, rows: number, start: number, end: number, gh: number, hist: number, counts: number): number;
  transposeCodes(codes: number, n: number, nF: number, out: number): void;
  partition(column: number, src: number, dst: number, ghSrc: number, ghDst: number, from: number, to: number, cut: number, nanCode: number, left: number, right: number, backward: number): number;
  addHistogram(dst: number, src: number, len: number, sign: number): void;
  sortValues(x: number, n: number, tmp: number, counts: number): void;
  binValues(x: number, n: number, t: number, nT: number, out: number): void;
  squaredGradients(raw: number, y: number, w: number, n: number, gh: number): void;
  logisticGradients(raw: number, y: number, w: number, n: number, gh: number): void;
  softmaxGradients(raw: number, y: number, w: number, n: number, K: number, gh: number, stride: number, prob: number): void;
  iota(out: number, n: number): void;
  addLeafValue(raw: number, rows: number, start: number, end: number, K: number, k: number, value: number): void;
}

const PAGE = 65536;
/** kernel.wasm declares this maximum (4 GiB, the most a 32-bit memory addresses). */
const MAX_PAGES = 65536;
const ALIGN = 16;
/** A memory grown beyond this is dropped after its fit rather than kept for the next one. */
const KEEP_BYTES = 256 * 1024 * 1024;

let compiled: WebAssembly.Module | undefined;

/** The compiled module (once per thread; it can also be posted to another thread). */
export function kernelModule(): WebAssembly.Module {
  return (compiled ??= new WebAssembly.Module(fs.readFileSync(path.join(__dirname, 'kernel.wasm'))));
}

/** The kernel's functions on memory. */
export function instantiateKernel(memory: WebAssembly.Memory, module: WebAssembly.Module = kernelModule()): KernelExports {
  return new WebAssembly.Instance(module, { env: { memory, abort: kernelAbort } }).exports as unknown as KernelExports;
}

function kernelAbort(): never {
  throw new Error('histogram kernel aborted');
}

interface TypedArrayClass<T> {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
}

/** This thread's memory while no fit holds it (at most one kept). */
const idle: KernelMemory[] = [];

export class KernelMemory {
  readonly memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  readonly kernel = instantiateKernel(this.memory);
  /** Arrays start after the module's static data (which each instantiation writes again). */
  private readonly base = Math.ceil(this.kernel.heapBase() / ALIGN) * ALIGN;
  private top = this.base;

  /** This thread's memory if no fit holds it, else a new one (a fit inside a fit). */
  static acquire(): KernelMemory {
    const m = idle.pop() ?? new KernelMemory();
    m.top = m.base;
    return m;
  }

  /** Hands the memory back: every array allocated from it is garbage from now on. */
  release(): void {
    if (idle.length === 0 && this.memory.buffer.byteLength <= KEEP_BYTES) idle.push(this);
  }

  /**
   * Byte offset of a new, zeroed array of `bytes` bytes (16-byte aligned), growing the memory when
   * needed (an earlier fit may have left its values there).
   */
  alloc(bytes: number): number {
    const ptr = this.top;
    this.top = ptr + Math.ceil(bytes / ALIGN) * ALIGN;
    const have = this.memory.buffer.byteLength;
    if (this.top > have) {
      const pages = Math.ceil((this.top - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) throw new RangeError(`a histogram GBM fit needs more than ${MAX_PAGES / 16384} GiB of arrays`);
      this.memory.grow(pages);
    }
    new Uint8Array(this.memory.buffer, ptr, bytes).fill(0);
    return ptr;
  }

  /** A new zeroed array of `length` elements, as its byte offset and a view of it. */
  array<T>(Ctor: TypedArrayClass<T>, length: number): { ptr: number; view: T } {
    const ptr = this.alloc(Ctor.BYTES_PER_ELEMENT * length);
    return { ptr, view: new Ctor(this.memory.buffer, ptr, length) };
  }

  u8 = (length: number) => this.array(Uint8Array, length);
  u32 = (length: number) => this.array(Uint32Array, length);
  i32 = (length: number) => this.array(Int32Array, length);
  f32 = (length: number) => this.array(Float32Array, length);
  f64 = (length: number) => this.array(Float64Array, length);
}
