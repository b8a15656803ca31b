#!/bin/sh
# Stands in for Bazel's coverage output generator, which cannot be downloaded offline.
echo "coverage is not available in the actiond e2e workspace: @remote_coverage_tools is an offline stub (e2e/stubs/remote_coverage_tools)" >&2
exit 1
