/** The guest CPU architectures actiond builds VM kernels and initramfs images for. */
export type VmArchName = 'x86_64' | 'aarch64';

/** Everything the kernel, initramfs and boot code need to know about one guest architecture. */
export interface VmArch {
  /** The name used on our command lines and in cache paths. */
  readonly name: VmArchName;
  /** The kernel's ARCH= value. */
  readonly kernelArch: 'x86_64' | 'arm64';
  /** The kernel config fragment for this architecture, under vm/kernel/. */
  readonly fragment: string;
  /** The make target that produces the boot image. */
  readonly imageTarget: 'bzImage' | 'Image';
  /** Where that image lands, relative to the kernel build directory. */
  readonly imagePath: string;
  /** CROSS_COMPILE= prefix: empty when the host already is this architecture. */
  readonly crossCompile: string;
  /** The C compiler for static guest programs (/init and test binaries). */
  readonly cc: string;
  /** The QEMU system emulator for this architecture. */
  readonly qemu: string;
  /** The kernel console device of the QEMU machine we boot it on. */
  readonly console: string;
}

const HOST_ARCH: VmArchName | undefined =
  process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : undefined;

function prefixFor(name: VmArchName): string {
  if (name === HOST_ARCH) return '';
  return name === 'x86_64' ? 'x86_64-linux-gnu-' : 'aarch64-linux-gnu-';
}

/** Names accepted by vmArch(), for error messages and usage texts. */
export const VM_ARCH_NAMES: readonly VmArchName[] = ['x86_64', 'aarch64'];

/** Returns the description of guest architecture `name`; throws naming the accepted ones otherwise. */
export function vmArch(name: string): VmArch {
  if (name === 'x86_64') {
    const cross = prefixFor(name);
    return {
      name,
      kernelArch: 'x86_64',
      fragment: 'x86_64.config',
      imageTarget: 'bzImage',
      imagePath: 'arch/x86/boot/bzImage',
      crossCompile: cross,
      cc: `${cross}gcc`,
      qemu: 'qemu-system-x86_64',
      console: 'ttyS0',
    };
  }
  if (name === 'aarch64') {
    const cross = prefixFor(name);
    return {
      name,
      kernelArch: 'arm64',
      fragment: 'arm64.config',
      imageTarget: 'Image',
      imagePath: 'arch/arm64/boot/Image',
      crossCompile: cross,
      cc: `${cross}gcc`,
      qemu: 'qemu-system-aarch64',
      console: 'ttyAMA0',
    };
  }
  throw new Error(`unknown VM architecture '${name}' (expected one of: ${VM_ARCH_NAMES.join(', ')})`);
}
