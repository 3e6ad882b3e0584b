#!/usr/bin/env python3
"""Checks the module walls of src/ (ARCHITECTURE §3) against src/WALLS.

Usage: check_walls.py <src dir> | --self-test. Prints every include the walls do not allow, as
file:line: reason, and exits 1 if there is one (2 if src/WALLS itself is malformed)."""
import fnmatch
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^">]+)[">]')
SOURCES = ('.h', '.hpp', '.cc', '.cpp')


def module_of(path):
    """The module of a path relative to src/ (a file or an include)."""
    parts = path.split('/')
    if parts[0] in ('workflows', 'hostchains') and len(parts) > 2:
        return parts[0] + '/' + parts[1]
    if parts[0] == 'crypto' and len(parts) > 2 and parts[1] == 'bls12_381':
        return 'crypto/bls12_381'
    return parts[0]


class Walls:
    def __init__(self, path):
        self.deps = {}      # module pattern -> allowed module patterns
        self.allow = []     # (file glob, include glob)
        self.extern = []    # (include prefix, [file globs])
        for n, raw in enumerate(open(path), 1):
            line = raw.split('#', 1)[0].strip()
            if not line:
                continue
            where = f'{path}:{n}'
            if line.startswith('allow '):
                m = re.fullmatch(r'allow\s+(\S+)\s+->\s+(\S+)', line)
                if not m:
                    sys.exit(f'{where}: expected "allow <file glob> -> <include glob>"')
                self.allow.append((m.group(1), m.group(2)))
            elif line.startswith('extern '):
                m = re.fullmatch(r'extern\s+(\S+)\s+only\s+(.+)', line)
                if not m:
                    sys.exit(f'{where}: expected "extern <prefix> only <file glob>..."')
                self.extern.append((m.group(1), m.group(2).split()))
            else:
                m = re.fullmatch(r'([\w/*]+):\s*(.*)', line)
                if not m:
                    sys.exit(f'{where}: expected "<module>: <modules it may include>"')
                self.deps[m.group(1)] = m.group(2).split()

    def rule_for(self, module):
        if module in self.deps:
            return module
        for pattern in self.deps:
            if '*' in pattern and fnmatch.fnmatchcase(module, pattern):
                return pattern
        return None

    def may_include(self, module, target):
        allowed = self.deps[self.rule_for(module)]
        return any(fnmatch.fnmatchcase(target, a) for a in allowed)


def check(src):
    """The problems found under `src`, and how many modules there are."""
    walls = Walls(os.path.join(src, 'WALLS'))
    problems = []
    modules = set()
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(SOURCES):
                continue
            rel = os.path.relpath(os.path.join(root, name), src)
            module = module_of(rel)
            modules.add(module)
            if walls.rule_for(module) is None:
                problems.append(f'src/{rel}: module {module} is not declared in src/WALLS')
                continue
            in_tests = '/tests/' in '/' + rel
            with open(os.path.join(src, rel), errors='replace') as f:
                for n, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    kind, inc = m.groups()
                    at = f'src/{rel}:{n}'
                    if kind == '<':
                        for prefix, files_ok in walls.extern:
                            if inc.startswith(prefix) and not any(
                                    fnmatch.fnmatchcase(rel, g) for g in files_ok):
                                problems.append(f'{at}: <{inc}> may only be included by '
                                                f'{" ".join(files_ok)}')
                        continue
                    if '/' not in inc:
                        continue  # a header next to the file
                    if not os.path.exists(os.path.join(src, inc)):
                        continue  # not one of ours (a generated or third-party header)
                    target = module_of(inc)
                    if '/tests/' in '/' + inc and not in_tests:
                        problems.append(f'{at}: "{inc}" is a test helper, included outside tests')
                    if target == module or walls.may_include(module, target):
                        continue
                    if any(fnmatch.fnmatchcase(rel, fg) and fnmatch.fnmatchcase(inc, ig)
                           for fg, ig in walls.allow):
                        continue
                    problems.append(f'{at}: module {module} may not include "{inc}" '
                                    f'(module {target}); see src/WALLS')
    return problems, len(modules)


def self_test():
    """The checker itself: a small tree with one violation of each kind must report each."""
    import tempfile
    files = {
        'WALLS': 'common:\nchain: common\nworkflows/*: common chain\n'
                 'allow chain/ok.cc -> workflows/a/a.h\nextern rocksdb/ only chain/store.cc\n',
        'common/c.h': '',
        'chain/store.cc': '#include <rocksdb/db.h>\n#include "common/c.h"\n',
        'chain/ok.cc': '#include "workflows/a/a.h"\n',
        'chain/bad.cc': '#include "workflows/a/a.h"\n#include <rocksdb/db.h>\n',
        'chain/tests/util.h': '',
        'chain/uses_test.cc': '#include "chain/tests/util.h"\n',
        'workflows/a/a.h': '#include "chain/tests/util.h"\n',
        'workflows/a/tests/t.cc': '#include "chain/tests/util.h"\n#include "workflows/b/b.h"\n',
        'workflows/b/b.h': '',
        'stray/s.h': '',
    }
    with tempfile.TemporaryDirectory() as d:
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), 'w') as f:
                f.write(text)
        problems, _ = check(d)
    expected = [
        'src/chain/bad.cc:1: module chain may not include "workflows/a/a.h"',
        'src/chain/bad.cc:2: <rocksdb/db.h> may only be included by chain/store.cc',
        'src/chain/uses_test.cc:1: "chain/tests/util.h" is a test helper',
        'src/stray/s.h: module stray is not declared',
        'src/workflows/a/a.h:1: "chain/tests/util.h" is a test helper',
        'src/workflows/a/tests/t.cc:2: module workflows/a may not include "workflows/b/b.h"',
    ]
    missing = [e for e in expected if not any(p.startswith(e) for p in problems)]
    extra = [p for p in problems if not any(p.startswith(e) for e in expected)]
    for m in missing:
        print('not reported:', m)
    for x in extra:
        print('reported wrongly:', x)
    print(f'walls self-test: {len(expected) - len(missing)} of {len(expected)} reported, '
          f'{len(extra)} wrong')
    return 1 if missing or extra else 0


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    if sys.argv[1] == '--self-test':
        return self_test()
    problems, modules = check(sys.argv[1])
    for p in problems:
        print(p)
    print(f'walls: {modules} modules, {len(problems)} disallowed includes')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
