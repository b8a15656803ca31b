/** What the dynamic loader reads from an ELF file before it can run it. */
export interface ElfDynamicInfo {
  /** e_machine: 62 for x86_64, 183 for aarch64. */
  readonly machine: number;
  /** The program interpreter (PT_INTERP), for dynamically linked executables. */
  readonly interpreter?: string;
  /** DT_NEEDED entries, in order. */
  readonly needed: readonly string[];
  /** DT_RUNPATH and DT_RPATH directories (colon lists split), RUNPATH first. */
  readonly searchPath: readonly string[];
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const DT_NULL = 0n;
const DT_NEEDED = 1n;
const DT_STRTAB = 5n;
const DT_RPATH = 15n;
const DT_RUNPATH = 29n;

/** Whether `bytes` start with the ELF magic. */
export function isElf(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/**
 * Reads the interpreter and dynamic section of a 64-bit little-endian ELF
 * file (every binary of both runtime architectures is one) from its program
 * headers, the way the loader does, so it also works on stripped files.
 * Throws naming `label` when the file is another ELF class or is truncated.
 */
export function readElfDynamic(bytes: Buffer, label: string): ElfDynamicInfo {
  if (!isElf(bytes)) throw new Error(`${label}: not an ELF file`);
  if (bytes[4] !== 2 || bytes[5] !== 1) throw new Error(`${label}: not a 64-bit little-endian ELF file (class ${bytes[4]}, data ${bytes[5]})`);
  const at = (offset: number, length: number): void => {
    if (offset < 0 || offset + length > bytes.length) throw new Error(`${label}: truncated ELF file (needs bytes ${offset}..${offset + length})`);
  };
  at(0, 64);
  const machine = bytes.readUInt16LE(18);
  const phoff = Number(bytes.readBigUInt64LE(32));
  const phentsize = bytes.readUInt16LE(54);
  const phnum = bytes.readUInt16LE(56);
  const loads: Array<{ vaddr: bigint; offset: bigint; filesz: bigint }> = [];
  let interpreter: string | undefined;
  let dynamic: { offset: number; size: number } | undefined;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    at(ph, 56);
    const type = bytes.readUInt32LE(ph);
    const offset = bytes.readBigUInt64LE(ph + 8);
    const vaddr = bytes.readBigUInt64LE(ph + 16);
    const filesz = bytes.readBigUInt64LE(ph + 32);
    if (type === PT_LOAD) loads.push({ vaddr, offset, filesz });
    if (type === PT_INTERP) {
      at(Number(offset), Number(filesz));
      interpreter = cString(bytes, Number(offset), Number(offset + filesz));
    }
    if (type === PT_DYNAMIC) dynamic = { offset: Number(offset), size: Number(filesz) };
  }
  if (dynamic === undefined) return { machine, ...(interpreter !== undefined ? { interpreter } : {}), needed: [], searchPath: [] };

  const entries: Array<[bigint, bigint]> = [];
  for (let off = dynamic.offset; off + 16 <= dynamic.offset + dynamic.size; off += 16) {
    at(off, 16);
    const tag = bytes.readBigInt64LE(off);
    if (tag === DT_NULL) break;
    entries.push([tag, bytes.readBigUInt64LE(off + 8)]);
  }
  const strtabAddr = entries.find(([tag]) => tag === DT_STRTAB)?.[1];
  if (strtabAddr === undefined) throw new Error(`${label}: dynamic section has no DT_STRTAB`);
  const load = loads.find((l) => strtabAddr >= l.vaddr && strtabAddr < l.vaddr + l.filesz);
  if (load === undefined) throw new Error(`${label}: DT_STRTAB address is outside every loaded segment`);
  const strtab = Number(strtabAddr - load.vaddr + load.offset);
  const str = (index: bigint): string => {
    at(strtab + Number(index), 1);
    return cString(bytes, strtab + Number(index), bytes.length);
  };
  const pick = (want: bigint): string[] => entries.filter(([tag]) => tag === want).map(([, value]) => str(value));
  const split = (list: string[]): string[] => list.flatMap((s) => s.split(':')).filter((s) => s !== '');
  return {
    machine,
    ...(interpreter !== undefined ? { interpreter } : {}),
    needed: pick(DT_NEEDED),
    searchPath: [...split(pick(DT_RUNPATH)), ...split(pick(DT_RPATH))],
  };
}

function cString(bytes: Buffer, start: number, limit: number): string {
  const end = bytes.indexOf(0, start);
  return bytes.toString('utf8', start, end < 0 || end > limit ? limit : end);
}
