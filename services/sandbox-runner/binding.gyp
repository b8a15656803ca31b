# Builds the native sandbox helper, a standalone executable (not a Node addon):
# `pnpm install` runs `node-gyp rebuild` here, which leaves it at
# build/Release/actiond-sandbox. See native/README.md.
{
  "targets": [
    {
      "target_name": "actiond-sandbox",
      "type": "executable",
      "sources": [
        "native/action.c",
        "native/cgroups.c",
        "native/credentials.c",
        "native/die.c",
        "native/exec.c",
        "native/main.c",
        "native/mounts.c",
        "native/network.c",
        "native/options.c",
        "native/outer.c",
        "native/pid1.c",
        "native/report.c"
      ],
      "defines": ["_GNU_SOURCE"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror"],
      # node-gyp's common.gypi silences unused parameters for addons and links
      # with -rdynamic to export symbols; the helper wants the warning and
      # exports nothing.
      "cflags!": ["-Wno-unused-parameter"],
      "ldflags!": ["-rdynamic"],
      # Static: no dynamic loader work at each start (measured: about 0.5 ms
      # less CPU per action here), and no dependence on the host's libc
      # version. The helper uses nothing of glibc that needs NSS or dlopen.
      "ldflags": ["-static"],
      "configurations": {
        "Release": {
          # common.gypi's Release says -O3; -O2 is what we test and measure.
          "cflags!": ["-O3"],
          "cflags": ["-O2"]
        }
      }
    }
  ]
}
