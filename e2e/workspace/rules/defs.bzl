"""Small Starlark rules for the actiond e2e workspace.

Offline, Bazel 4.2.3's sh_binary and sh_test can't be used: their launcher
depends on @rules_cc, which is a download. So executables and tests here are
bash scripts written with ctx.actions.write(is_executable = True), and directory
outputs come from a run_shell action. Everything they produce is deterministic,
so tools/e2e.sh and the tests can check exact contents.
"""

# Every generated script and command starts strict, so a failing step fails the
# action or test instead of producing a half-written output.
_STRICT = "set -euo pipefail\n"

def _bash_script_impl(ctx):
    script = ctx.actions.declare_file(ctx.label.name)
    body = ctx.expand_location(ctx.attr.cmd, ctx.attr.data)
    ctx.actions.write(
        output = script,
        content = "#!/bin/bash\n" + _STRICT + body + "\n",
        is_executable = True,
    )
    runfiles = ctx.runfiles(files = ctx.files.data)
    for dep in ctx.attr.data:
        runfiles = runfiles.merge(dep[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

_BASH_SCRIPT_ATTRS = {
    "cmd": attr.string(
        mandatory = True,
        doc = "Bash source run under `set -euo pipefail`. $(rootpath ...) and " +
              "$(location ...) of `data` are expanded; there is no make-variable " +
              "escaping, so write `$VAR`, not `$$VAR`.",
    ),
    "data": attr.label_list(
        allow_files = True,
        doc = "Files (and executables, with their runfiles) available at run time.",
    ),
}

bash_binary = rule(
    implementation = _bash_script_impl,
    executable = True,
    attrs = _BASH_SCRIPT_ATTRS,
    doc = "An executable bash script: `bazel run`-able and usable as a genrule tool.",
)

bash_test = rule(
    implementation = _bash_script_impl,
    test = True,
    attrs = _BASH_SCRIPT_ATTRS,
    doc = "A test that is a bash script. It runs in its runfiles tree, so paths " +
          "from $(rootpath ...) resolve.",
)

def _dir_genrule_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name)
    targets = ctx.attr.srcs + ctx.attr.tools
    ctx.actions.run_shell(
        outputs = [out],
        inputs = ctx.files.srcs,
        tools = [tool[DefaultInfo].files_to_run for tool in ctx.attr.tools],
        # With use_default_shell_env Bazel 4 ignores `env`, so the output path
        # arrives as $1.
        command = _STRICT + 'OUT="$1"\n' + ctx.expand_location(ctx.attr.cmd, targets),
        arguments = [out.path],
        # Take the PATH from --incompatible_strict_action_env, like genrules do.
        use_default_shell_env = True,
        mnemonic = "DirGenrule",
        progress_message = "Generating directory %s" % out.short_path,
    )
    return [DefaultInfo(files = depset([out]))]

dir_genrule = rule(
    implementation = _dir_genrule_impl,
    attrs = {
        "cmd": attr.string(
            mandatory = True,
            doc = "Bash source that fills the directory `$OUT` (it exists, empty). " +
                  "$(location ...) of srcs and tools is expanded; no `$$` escaping.",
        ),
        "srcs": attr.label_list(allow_files = True),
        "tools": attr.label_list(cfg = "exec", allow_files = True),
    },
    doc = "Like genrule, but the single output is a directory (a tree artifact) " +
          "named after the target.",
)

def _file_symlink_impl(ctx):
    out = ctx.actions.declare_file(ctx.attr.out)
    ctx.actions.symlink(output = out, target_file = ctx.file.target)
    return [DefaultInfo(files = depset([out]))]

file_symlink = rule(
    implementation = _file_symlink_impl,
    attrs = {
        "out": attr.string(mandatory = True),
        "target": attr.label(mandatory = True, allow_single_file = True),
    },
    doc = "An output that is a symlink made by ctx.actions.symlink. In Bazel " +
          "4.2.3 this is an internal action (Bazel makes the link itself, with an " +
          "absolute target), so it never reaches a remote executor; it is here to " +
          "show that internal actions mix with remote ones.",
)
