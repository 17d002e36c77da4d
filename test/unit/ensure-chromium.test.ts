/**
 * scripts/ensure-chromium.sh, which `npm test` and `.ci/run` call: it runs for real, with `id`, `sudo`
 * and `apt-get` replaced by stand-ins on PATH that log their calls (and an apt-get that "installs" a
 * file at the Chromium path), so every branch of its decision is exercised without root or network.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";

const SCRIPT = resolve(import.meta.dirname, "../../scripts/ensure-chromium.sh");

interface Machine {
  uid: number;
  /** What `sudo -n true` answers: "passwordless", "password" (needs one), or "absent" (no sudo at all). */
  sudo: "passwordless" | "password" | "absent";
  debian: boolean;
  chromiumInstalled: boolean;
}

/** The absolute path of a tool on this machine's PATH. */
function which(tool: string): string {
  const found = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
  assert.ok(found.startsWith("/"), `${tool} is not installed`);
  return found;
}

/** Runs the script on a pretend machine; returns its exit code, stderr and the logged commands. */
function ensureChromium(machine: Machine): { code: number | null; stderr: string; calls: string[]; chromium: boolean } {
  const dir = mkdtempSync(join(tmpdir(), "ensure-chromium-"));
  const bin = join(dir, "bin");
  const log = join(dir, "calls.log");
  const chromium = join(dir, "chromium");
  mkdirSync(bin);
  // PATH is this folder only, so a real sudo or apt-get on the test machine can never be reached.
  for (const tool of ["bash", "env", "chmod"]) symlinkSync(which(tool), join(bin, tool));
  const stub = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  stub("id", `[ "$1" = -u ] && echo ${machine.uid}`);
  stub("apt-get", `echo "apt-get $*" >> "${log}"; if [ "$1" = install ]; then printf '#!/bin/sh\\n' > "${chromium}"; chmod +x "${chromium}"; fi`);
  if (machine.sudo !== "absent") {
    stub("sudo", `[ "$1" = -n ] && shift; [ "$1" = true ] && exit ${machine.sudo === "passwordless" ? 0 : 1}; echo "sudo $*" >> "${log}"; exec "$@"`);
  }
  if (machine.chromiumInstalled) stub("../chromium", "");
  const debianVersion = join(dir, "debian_version");
  if (machine.debian) writeFileSync(debianVersion, "12.11\n");
  const result = spawnSync(join(bin, "bash"), [SCRIPT], {
    env: { PATH: bin, CHROMIUM_PATH: chromium, DEBIAN_VERSION_FILE: debianVersion },
    encoding: "utf8",
  });
  const calls = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
  return { code: result.status, stderr: result.stderr, calls, chromium: existsSync(chromium) };
}

test("with Chromium in place it does nothing", () => {
  const run = ensureChromium({ uid: 1000, sudo: "password", debian: true, chromiumInstalled: true });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.calls, []);
});

test("as root on Debian it installs with apt-get, without sudo", () => {
  const run = ensureChromium({ uid: 0, sudo: "absent", debian: true, chromiumInstalled: false });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.calls, ["apt-get update -qq", "apt-get install -y -qq chromium"]);
  assert.ok(run.chromium);
});

test("with passwordless sudo it installs through sudo -n, keeping apt-get non-interactive", () => {
  const run = ensureChromium({ uid: 1000, sudo: "passwordless", debian: true, chromiumInstalled: false });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.calls, [
    "sudo apt-get update -qq",
    "apt-get update -qq",
    "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium",
    "apt-get install -y -qq chromium",
  ]);
});

test("when sudo needs a password, or is absent, it prints the one command to run and fails", () => {
  for (const sudo of ["password", "absent"] as const) {
    const run = ensureChromium({ uid: 1000, sudo, debian: true, chromiumInstalled: false });
    assert.equal(run.code, 1);
    assert.deepEqual(run.calls, [], `sudo ${sudo}: nothing is installed`);
    assert.match(run.stderr, /Install it with: sudo apt-get update && sudo apt-get install -y chromium\n$/);
  }
});

test("off Debian it says what to install and fails", () => {
  const run = ensureChromium({ uid: 0, sudo: "passwordless", debian: false, chromiumInstalled: false });
  assert.equal(run.code, 1);
  assert.deepEqual(run.calls, []);
  assert.match(run.stderr, /On Debian or Ubuntu: sudo apt-get update && sudo apt-get install -y chromium\nElsewhere, install Chromium/);
});
