"""Thin rules around the pnpm path's build scripts: runtime images, VM kernel, initramfs, standalone binary.

Each macro is a genrule that calls the same TypeScript entry point the pnpm path
calls (through a js_binary in //tools), with the same flags. The logic, the
checks and the error messages all live in tools/src; nothing here decides
anything but paths. The entry points run from the output tree, so every path
handed to them is absolute ($$PWD/...).
"""

# The boot image file name `make` produces per architecture (tools/src/vm/vm-arch.ts).
KERNEL_IMAGES = {
    "aarch64": "Image",
    "x86_64": "bzImage",
}

def _per_cpu(name, prefix):
    native.alias(
        name = name,
        actual = select({
            "@platforms//cpu:aarch64": ":{}-aarch64".format(prefix),
            "@platforms//cpu:x86_64": ":{}-x86_64".format(prefix),
        }),
        visibility = ["//visibility:public"],
    )

def actiond_runtime_images(name):
    """runtimes-<arch>.squashfs for every architecture, and `name` for the target CPU's.

    Runs tools/src/runtimes/build.ts (`pnpm runtimes:build`) on the .debs that
    //bazel:debian_packages.bzl fetched, laid out as its download cache, so the
    build itself needs no network. Needs mksquashfs on the machine, like the
    pnpm path, so it runs locally.

    Args:
      name: the alias that follows --platforms.
    """
    for arch in KERNEL_IMAGES:
        native.genrule(
            name = "runtimes-" + arch,
            srcs = [
                "@actiond_debs//:" + arch,
                "//runtimes:runtimes.lock.json",
            ],
            outs = ["runtimes-{}.squashfs".format(arch)],
            cmd = " && ".join([
                "debs=$$PWD/$(RULEDIR)/debs-" + arch,
                "rm -rf $$debs",
                "mkdir -p $$debs",
                "for deb in $(execpaths @actiond_debs//:{}); do ln -s $$PWD/$$deb $$debs/; done".format(arch),
                ("BAZEL_BINDIR=$(BINDIR) $(execpath //tools:runtimes_build) --arch {} " +
                 "--lock $$PWD/$(execpath //runtimes:runtimes.lock.json) --cache $$debs --out $$PWD/$(RULEDIR)").format(arch),
                "rm -rf $$debs",
            ]),
            tags = ["no-remote-exec"],
            tools = ["//tools:runtimes_build"],
        )
    _per_cpu(name, "runtimes")

def actiond_vm_kernels(name, image = None):
    """The VM guest kernel (boot image, .zst, config, manifest) per architecture.

    Runs tools/src/vm/build-kernel-cli.ts (vm/build-kernel.sh) with its default
    cache, which is keyed by every input and shared with the pnpm path, so it
    runs locally and unsandboxed; it needs the Debian packages that
    vm/install-build-deps.sh installs.

    Args:
      name: the alias of the target CPU's compressed boot image.
      image: if given, the alias of the target CPU's uncompressed boot image
        (what QEMU's -kernel and so serve-vm's --kernel take).
    """
    for arch, boot_image in KERNEL_IMAGES.items():
        out = "kernel-" + arch
        native.genrule(
            name = out,
            outs = [
                "{}/{}".format(out, boot_image),
                "{}/{}.zst".format(out, boot_image),
                "{}/kernel.config".format(out),
                "{}/kernel-manifest.json".format(out),
            ],
            cmd = "BAZEL_BINDIR=$(BINDIR) $(execpath //tools:vm_build_kernel) --arch {} --out $$PWD/$(RULEDIR)/{}".format(arch, out),
            tags = [
                "no-remote-exec",
                "no-sandbox",
            ],
            tools = ["//tools:vm_build_kernel"],
        )
        native.filegroup(
            name = "kernel_zst-" + arch,
            srcs = ["{}/{}.zst".format(out, boot_image)],
        )
        native.filegroup(
            name = "kernel_image-" + arch,
            srcs = ["{}/{}".format(out, boot_image)],
        )
    _per_cpu(name, "kernel_zst")
    if image != None:
        _per_cpu(image, "kernel_image")

def actiond_vm_initramfs(name):
    """initramfs.cpio.zst (the guest /init) per architecture.

    Runs tools/src/vm/build-initramfs-cli.ts (vm/build-initramfs.sh), which
    compiles vm/init with the host's (cross) C compiler, so it runs locally.

    Args:
      name: the alias of the target CPU's initramfs.
    """
    for arch in KERNEL_IMAGES:
        out = "initramfs-" + arch
        native.genrule(
            name = out,
            outs = ["{}/initramfs.cpio.zst".format(out)],
            cmd = "BAZEL_BINDIR=$(BINDIR) $(execpath //tools:vm_build_initramfs) --arch {} --out $$PWD/$(RULEDIR)/{}".format(arch, out),
            tags = ["no-remote-exec"],
            tools = ["//tools:vm_build_initramfs"],
        )
    _per_cpu(name, "initramfs")

def actiond_linux_standalone(name):
    """linux-actiond-standalone-<arch> per architecture, and `name` for the target CPU's.

    Runs tools/src/standalone/build-standalone.ts (`pnpm standalone:build`),
    which bundles the server from its sources and embeds the runtime image
    and the sandbox helper Bazel built, into a copy of Node.js. The Node.js
    that prepares the blob (and is the binary for this CPU) is the Node.js
    toolchain's, which the build checks is the pinned version. A build for
    the other CPU fetches that CPU's Node.js with `npm pack` and checks the
    result under qemu-user, as the pnpm path does, so it runs locally.

    Each per-architecture target is compatible only with its own CPU: the
    sandbox helper (a cc_binary) and the runtime image (the alias that
    follows --platforms) are built for the target platform, so they match
    the binary only when --platforms names that CPU.

    Args:
      name: the alias that follows --platforms.
    """
    helper = "//services/sandbox-runner:build/Release/actiond-sandbox"
    runtimes = "//runtimes:runtimes_squashfs"
    for arch in KERNEL_IMAGES:
        out = "{}/linux-actiond-standalone-{}".format(arch, arch)
        native.genrule(
            name = "{}-{}".format(name, arch),
            srcs = [
                helper,
                runtimes,
            ],
            outs = [out],
            cmd = " && ".join([
                "out=$$PWD/$(RULEDIR)/" + arch,
                # NODE_PATH is relative to the execution root unless the toolchain is a system Node.js.
                "node=$(NODE_PATH)",
                "case $$node in /*) ;; *) node=$$PWD/$$node ;; esac",
                ("BAZEL_BINDIR=$(BINDIR) $(execpath //tools:standalone_build) --arch {} --node $$node " +
                 "--runtime-image $$PWD/$(execpath {}) --sandbox-helper $$PWD/$(execpath {}) --out $$out").format(arch, runtimes, helper),
                # The work directory and the other CPU's Node.js download are not outputs.
                "rm -rf $$out/{} $$out/node-cache".format(arch),
            ]),
            tags = ["no-remote-exec"],
            target_compatible_with = [
                "@platforms//cpu:" + arch,
                "@platforms//os:linux",
            ],
            toolchains = ["@nodejs_toolchains//:resolved_toolchain"],
            tools = [
                "//tools:standalone_build",
                "@nodejs_toolchains//:resolved_toolchain",
            ],
        )
    _per_cpu(name, name)
