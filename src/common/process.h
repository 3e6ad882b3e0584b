#pragma once
// Child processes and free loopback ports, for the places that start a program in the
// background (testnet nodes, the integration tests' nodes, test hostchain daemons) and the
// ports they listen on. Linux/POSIX only.
//
//   SpawnOptions o;
//   o.argv = {"/usr/bin/litecoind", "-regtest"};
//   o.output = dir / "litecoind.out";
//   o.group = ProcessGroup::own_group;
//   o.die_with_parent = true;
//   Result<pid_t> pid = spawn_process(o);  // the caller reaps it (waitpid)

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace klyn {

// Where the child stands among the caller's processes.
enum class ProcessGroup {
  // Stays in the caller's process group and session (a Ctrl-C at the terminal reaches it).
  inherit,
  // setsid(): a new session and group without a controlling terminal. Signals sent to the
  // caller's group do not reach it, a password prompt cannot block on the terminal, and it
  // outlives the shell that started the caller.
  own_session,
  // setpgid(0, 0): a new process group in the caller's session. Signals sent to the caller's
  // group (a ctest timeout, Ctrl-C) do not reach it.
  own_group,
};

struct SpawnOptions {
  // The program and its arguments; argv[0] is the path of the program (or, with `search_path`,
  // a bare name). Must not be empty.
  std::vector<std::string> argv;
  // The child's whole environment as "NAME=value" entries; nullopt = the caller's environment.
  std::optional<std::vector<std::string>> env;
  // stdout and stderr both go to this file, opened for appending (created 0644 if missing);
  // empty = /dev/null.
  std::filesystem::path output;
  ProcessGroup group = ProcessGroup::inherit;
  // PR_SET_PDEATHSIG SIGKILL: the child gets SIGKILL when the caller dies, even by kill -9 or a
  // ctest timeout. Linux ties this to the spawning *thread*: spawn from a thread that lives as
  // long as the child should. If the caller is already gone by the time the child has set this
  // up, the child exits 127 at once instead of running unattended.
  bool die_with_parent = false;
  // Look a bare argv[0] (no '/') up in the caller's PATH (before fork), as execvp does.
  bool search_path = false;
  // Close every descriptor above 2 in the child, not only those marked close-on-exec.
  bool close_other_fds = false;
};

// Forks and execs `options.argv` with stdin = /dev/null and stdout/stderr appended to
// `options.output`. Returns the child's pid once it is forked; the caller owns it and must reap
// it (waitpid). What the child gets:
// * signals: an empty signal mask (whatever the spawning thread blocked is unblocked); handlers
//   reset to the default by exec, ignored signals stay ignored (POSIX exec semantics);
// * descriptors: 0 = /dev/null, 1 and 2 = the output file; the caller's other descriptors only
//   when not close-on-exec, and none with `close_other_fds`;
// * failure after the fork (program not found or not executable): the child exits 127 — the
//   caller sees that through waitpid, not here.
// Between fork and exec the child makes async-signal-safe calls only (argv, envp and the PATH
// lookup are prepared before the fork), so threaded callers are safe.
// Errors: "bad_argument" (empty argv), "io" (the output file or /dev/null cannot be opened,
// fork fails), with the reason in words.
Result<pid_t> spawn_process(const SpawnOptions& options);

// The program `name` (no '/') as execvp would find it in the caller's PATH (PATH unset =
// /bin:/usr/bin; an empty entry = the current directory): the first executable regular file
// there. "" when there is none.
std::string find_in_path(const std::string& name);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released; someone
// else may take it before the caller binds it). 0 when none was found.
uint16_t free_loopback_port();

// The first of `count` consecutive TCP ports on 127.0.0.1 that were all free a moment ago (tries
// up to 100 bases the kernel hands out). 0 when none was found. `count` 0 is taken as 1.
uint16_t free_loopback_ports(unsigned count);

// CPU time (user + system, seconds) a live process has used so far, from /proc/<pid>/stat;
// nullopt when it cannot be read (no such process).
std::optional<double> process_cpu_seconds(pid_t pid);

}  // namespace klyn
