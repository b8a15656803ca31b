"""Execution platforms for actiond workers, one per architecture and runtime."""

# The CPUs actiond runs actions on, as the runtime images name them (uname -m).
CPUS = {
    "aarch64": "@platforms//cpu:aarch64",
    "x86_64": "@platforms//cpu:x86_64",
}

def actiond_execution_platforms(name, runtimes, default_runtime):
    """Declares the libc constraint and actiond's execution platforms.

    For each CPU and runtime R: `<name>_linux_<cpu>_<R>`, which carries the
    execution property libc=R (actiond runs the action in runtime R) and the
    constraint value `:R`, so a target can require a runtime with
    exec_compatible_with. `<name>_linux_<cpu>` is the one for default_runtime.

    Args:
      name: prefix of the platform names ("actiond").
      runtimes: the runtime names of runtimes/runtimes.lock.json.
      default_runtime: the runtime actions get when they ask for none; the
        same one .bazelrc's --config=actiond sends.
    """
    if default_runtime not in runtimes:
        fail("default_runtime {} is not one of the runtimes {}".format(default_runtime, runtimes))
    native.constraint_setting(
        name = "libc",
        default_constraint_value = ":" + default_runtime,
    )
    for runtime in runtimes:
        native.constraint_value(
            name = runtime,
            constraint_setting = ":libc",
        )
    for cpu in CPUS:
        for runtime in runtimes:
            native.platform(
                name = "{}_linux_{}_{}".format(name, cpu, runtime),
                constraint_values = [
                    "@platforms//os:linux",
                    CPUS[cpu],
                    ":" + runtime,
                ],
                exec_properties = {"libc": runtime},
            )
        native.alias(
            name = "{}_linux_{}".format(name, cpu),
            actual = ":{}_linux_{}_{}".format(name, cpu, default_runtime),
        )
