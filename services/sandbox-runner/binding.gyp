# Builds the native sandbox helper, a standalone executable (not a Node addon):
# this package's install script runs
#   node-gyp rebuild --nodedir=native/gyp-nodedir
# which leaves it at build/Release/actiond-sandbox. The --nodedir is a stand-in
# for Node's headers, which an executable does not need (see
# native/gyp-nodedir/include/node/common.gypi), so nothing is downloaded.
# See native/README.md.
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
        "native/launcher.c",
        "native/main.c",
        "native/mounts.c",
        "native/network.c",
        "native/options.c",
        "native/outer.c",
        "native/pid1.c",
        "native/report.c",
        "native/run.c"
      ],
      "defines": ["_GNU_SOURCE"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2"],
      # node-gyp's addon.gypi asks for position-independent code, which a
      # static executable does not need.
      "cflags!": ["-fPIC"],
      # Static: no dynamic loader work at each start (measured: about 0.5 ms
      # less CPU per action here), and no dependence on the host's libc
      # version. The helper uses nothing of glibc that needs NSS or dlopen.
      "ldflags": ["-static"]
    }
  ]
}
