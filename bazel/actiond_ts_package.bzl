"""actiond_ts_package: the one macro every TypeScript package's BUILD.bazel calls.

A package is what pnpm sees: a package.json and TypeScript under src/. The macro
turns it into the same graph rules_js users expect:

  :<name>          ts_project of the sources (tsc, as `pnpm typecheck` runs it)
  :pkg             npm_package that npm_link_all_packages links as @actiond/<pkg>
                   for the packages that depend on this one
  :<test>_test     one js_test per src/**/*.test.ts, run by Node's test runner
  :tests           test_suite of them
  :node_modules/*  the package's npm dependencies, linked from pnpm-lock.yaml

tools/src/bazel/pnpm-bazel-consistency.ts reads SRCS and TESTS below and every call of
this macro, and checks them against the pnpm workspace: keep the two in step.
"""

load("@aspect_rules_js//js:defs.bzl", "js_library", "js_test")
load("@aspect_rules_js//npm:defs.bzl", "npm_package")
load("@aspect_rules_ts//ts:defs.bzl", "ts_project")
load("@npm//:defs.bzl", "npm_link_all_packages")

# The package's sources: the files `pnpm typecheck` checks and Node runs.
SRCS = ["src/**/*.ts"]

# The package's tests: the files `pnpm test` hands to Node's test runner.
TESTS = ["src/**/*.test.ts"]

# Every package compiles against Node's own types (tsconfig.base.json: "types": ["node"]).
_NODE_TYPES = "//:node_modules/@types/node"

def _linked(packages):
    return [":node_modules/" + p for p in packages]

def _test_name(path):
    # src/disk-blob-access.test.ts -> disk-blob-access_test
    return path[len("src/"):-len(".test.ts")].replace("/", "_") + "_test"

def actiond_ts_package(
        name,
        srcs = SRCS,
        tests = TESTS,
        deps = [],
        test_deps = [],
        data = [],
        test_data = [],
        pnpm_only_tests = {},
        test_tags = [],
        visibility = ["//visibility:public"]):
    """Builds and tests one pnpm workspace package.

    Args:
      name: the ts_project's name; by convention the package directory's name.
      srcs: glob patterns of the sources (tests are excluded from them).
      tests: glob patterns of the test files.
      deps: npm package names the sources import ("@actiond/digest", "zod").
      test_deps: npm package names only the tests import.
      data: labels of non-TypeScript files the sources read at run time.
      test_data: labels of files only the tests read.
      pnpm_only_tests: {"src/x.test.ts": "why"}: tests that only run under pnpm,
        each with the reason (printed by the consistency test's report).
      test_tags: tags of every js_test (e.g. "no-sandbox" for tests that make namespaces).
      visibility: visibility of the library and of :pkg.
    """
    npm_link_all_packages(name = "node_modules")

    test_files = native.glob(tests, allow_empty = True)
    src_files = native.glob(srcs, exclude = tests, allow_empty = True)

    # tsc reads "type": "module" from package.json to compile ESM (module nodenext).
    js_library(
        name = "package_json",
        srcs = ["package.json"],
    )

    if not src_files:
        # A package whose sources are still to be written: keep its labels valid.
        js_library(
            name = name,
            srcs = ["package.json"],
            visibility = visibility,
        )
        return

    ts_project(
        name = name,
        srcs = src_files,
        data = data,
        declaration = True,
        transpiler = "tsc",
        tsconfig = "//:tsconfig",
        visibility = visibility,
        deps = [":package_json", _NODE_TYPES] + _linked(deps),
    )

    # package.json points "exports" at ./src/*.ts for Node's type stripping, which
    # Node refuses under node_modules, where rules_js links packages: the linked
    # copy points at the compiled ./src/*.js instead.
    native.genrule(
        name = "bazel_package_json",
        srcs = ["package.json"],
        outs = ["bazel/package.json"],
        cmd = "sed -e 's#\\(\"\\./src/[^\"]*\\)\\.ts\"#\\1.js\"#g' $< > $@",
    )

    # Only this package's own files: the packages it depends on are linked beside
    # it, and its source package.json gives way to the rewritten one.
    npm_package(
        name = "pkg",
        srcs = [":" + name, ":bazel_package_json"] + data,
        exclude_srcs_patterns = [
            "**/node_modules/**",
            "package.json",
        ],
        include_transitive_sources = False,
        include_transitive_types = False,
        replace_prefixes = {"bazel/package.json": "package.json"},
        visibility = visibility,
    )

    if not test_files:
        return

    ts_project(
        name = name + "_tests",
        srcs = test_files,
        data = test_data,
        declaration = True,
        testonly = True,
        transpiler = "tsc",
        tsconfig = "//:tsconfig",
        deps = [":" + name, ":package_json", _NODE_TYPES] + _linked(deps + test_deps),
    )

    tests = []
    for path in test_files:
        if path in pnpm_only_tests:
            continue
        test = _test_name(path)
        js_test(
            name = test,
            data = [":" + name + "_tests"] + data + test_data,
            entry_point = path[:-len(".ts")] + ".js",
            node_options = ["--test"],
            tags = test_tags,
        )
        tests.append(":" + test)

    native.test_suite(
        name = "tests",
        tests = tests,
    )
