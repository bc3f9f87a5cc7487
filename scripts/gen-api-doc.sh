#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# gen-api-doc.sh: regenerate the reference part of docs/api.md from the
# kernel-doc of include/linux/pgcluster.h and of the exported functions in
# module/ (every file with an EXPORT_SYMBOL).
#
#   scripts/gen-api-doc.sh            rewrite docs/api.md below its marker
#   scripts/gen-api-doc.sh --check    exit 1 when docs/api.md is stale
#   scripts/gen-api-doc.sh --stdout   print the generated part only
#
# docs/api.md keeps its hand-written guide above the marker line; only the
# text below it is generated.  The kernel's own scripts/kernel-doc does the
# parsing (-rst output): KERNELDOC=path names one, else the distro headers'
# copy (linux-headers-amd64, which scripts/deps.sh installs), else the 7.2
# tree scripts/debug-kernel.sh unpacks.  Its reST is turned into Markdown by
# the Python below, which reads the 6.1 (Perl) and 7.x (Python) kernel-doc
# output alike, so --check does not depend on which one a machine has.
# Without any kernel-doc, a small parser of the /** */ blocks stands in
# (KERNELDOC=builtin forces it) and says so on stderr.
#
# Exit status: 0 done (or up to date), 1 stale (--check), 2 usage or error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
doc=$root/docs/api.md
marker='<!-- Generated below by scripts/gen-api-doc.sh from the kernel-doc; do not edit below this line. -->'

mode='write'
case ${1:-} in
'') ;;
--check) mode=check ;;
--stdout) mode=stdout ;;
-h|--help) sed -n '4,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "gen-api-doc: unknown option $1 (--check, --stdout)" >&2; exit 2 ;;
esac

find_kerneldoc() {
	local pat c
	if [ -n "${KERNELDOC:-}" ]; then
		echo "$KERNELDOC"
		return
	fi
	# In order of preference; the newest of each kind.
	for pat in '/usr/src/linux-headers-*-amd64/scripts/kernel-doc' \
		   '/usr/lib/linux-kbuild-*/scripts/kernel-doc' \
		   '/var/cache/pgcluster/build/linux-source-*/scripts/kernel-doc'; do
		# shellcheck disable=SC2206
		local found=($pat)
		c=$(printf '%s\n' "${found[@]}" | sort -V | tail -n 1)
		[ -f "$c" ] && { echo "$c"; return; }
	done
	echo builtin
}

cd "$root"
header=include/linux/pgcluster.h
exports=$(grep -l -r --include='*.c' -E '^EXPORT_SYMBOL(_GPL)?\(' module | sort)
[ -n "$exports" ] || { echo "gen-api-doc: no EXPORT_SYMBOL in module/" >&2; exit 2; }

kdoc=$(find_kerneldoc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "$kdoc" = builtin ]; then
	echo "gen-api-doc: no scripts/kernel-doc found; using the built-in parser" >&2
	: >"$tmp/rst"
else
	# kernel-doc's own warnings go to stderr; a missing kernel-doc comment
	# on an exported function is one, and is shown.
	{
		"$kdoc" -rst "$header"
		# shellcheck disable=SC2086
		"$kdoc" -rst -export $exports
	} >"$tmp/rst" 2> >(grep -v 'Sphinx version' >&2)
fi

# shellcheck disable=SC2086
python3 - "$tmp/rst" "$kdoc" "$header" $exports >"$tmp/gen" <<'PY'
import re
import sys

rst_path, kdoc, header = sys.argv[1], sys.argv[2], sys.argv[3]
exports = sys.argv[4:]
sources = {}
for f in [header] + exports:
    with open(f) as fh:
        sources[f] = fh.read()


class Item:
    def __init__(self, kind, name, proto):
        self.kind = kind          # 'function', 'macro' or 'doc'
        self.name = name
        self.proto = proto
        self.short = ''
        self.sections = []        # [title, [lines]]
        self.params = []          # [name, text]


def dedent(lines):
    ind = [len(l) - len(l.lstrip()) for l in lines if l.strip()]
    n = min(ind) if ind else 0
    return [l[n:] for l in lines]


def from_rst(text):
    """Items from kernel-doc -rst (6.1 Perl or 7.x Python)."""
    items = []
    cur = None
    body = []

    def close():
        if cur is None:
            return
        lines = [l for l in body
                 if l.strip() not in ('.. container:: kernelindent',
                                      '``%s``' % cur.name)]
        if cur.kind != 'doc':
            # The short description comes first, indented by three.
            while lines and not lines[0].strip():
                lines.pop(0)
            if lines:
                cur.short = lines.pop(0).strip()
        lines = dedent(lines)
        title, sec = None, []
        for l in lines + ['**END**']:
            m = re.match(r'^\*\*(.+)\*\*$', l)
            if m:
                if title is not None:
                    add_section(cur, title, sec)
                title, sec = m.group(1), []
            else:
                sec.append(l)
        items.append(cur)

    for line in text.splitlines():
        m = re.match(r'^\.\. c:(function|macro):: (.*)$', line)
        d = re.match(r'^\.\. _(.+):$', line)
        if m or d:
            close()
            body = []
            if d:
                cur = Item('doc', d.group(1), '')
            elif m.group(1) == 'macro':
                cur = Item('macro', m.group(2).strip(), '')
            else:
                proto = m.group(2).strip()
                mm = re.match(r'^(\w+) \(\)$', proto)
                if mm:
                    # 6.1 shows an object-like macro as a function with
                    # no return type and no parameters.
                    cur = Item('macro', mm.group(1), '')
                else:
                    name = re.search(r'(\w+) ?\(', proto).group(1)
                    cur = Item('function', name, proto)
            continue
        if cur is not None:
            body.append(line)
    close()
    return items


def add_section(item, title, lines):
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if title == 'Parameters':
        name, text = None, []
        for l in lines + ['``END``']:
            m = re.match(r'^``(.+)``$', l)
            if m:
                if name is not None:
                    item.params.append([name, ' '.join(text)])
                name, text = m.group(1), []
            elif l.strip():
                text.append(l.strip())
        return
    if item.kind == 'doc' and title == item.name and not item.sections:
        title = item.name
    if lines:
        item.sections.append([title, lines])


def from_source(files):
    """Items straight from the /** */ blocks, when kernel-doc is missing."""
    items = []
    for f in files:
        src = sources[f]
        exported = set(re.findall(r'^EXPORT_SYMBOL(?:_GPL)?\((\w+)\)', src, re.M))
        for m in re.finditer(r'/\*\*\n(.*?)\*/\n(.*?)(?=[{;]|\n\n|/\*)',
                             src, re.S):
            raw = [re.sub(r'^ \* ?', '', l) for l in m.group(1).splitlines()]
            raw = [l.replace('\t', '        ') for l in raw]
            head = raw.pop(0)
            h = re.match(r'^(?:define )?(\w+)(\(\))? - (.*)$', head)
            if not h:
                continue
            name, short = h.group(1), h.group(3)
            after = m.group(2)
            if after.lstrip().startswith('#define'):
                item = Item('macro', name, '')
            else:
                if f != header and name not in exported:
                    continue
                proto = ' '.join(after.split())
                item = Item('function', name, proto)
            item.short = inline(short)
            title, sec, pname = 'Description', [], None
            for l in raw:
                p = re.match(r'^@(\w+): ?(.*)$', l)
                s = re.match(r'^(Context|Return|Returns|Note): ?(.*)$', l)
                if p:
                    pname = p.group(1)
                    item.params.append([pname, inline(p.group(2))])
                elif pname and l.startswith(' ') and l.strip():
                    item.params[-1][1] += ' ' + inline(l.strip())
                elif s:
                    if sec and any(x.strip() for x in sec):
                        add_section(item, title, sec)
                    pname = None
                    title, sec = s.group(1), [inline(s.group(2))]
                else:
                    pname = None
                    sec.append(inline(l))
            add_section(item, title, sec)
            if item.kind == 'function':
                types = typed_params(proto)
                item.params = [[types.get(n, n), t] for n, t in item.params]
            items.append(item)
    return items


def inline(s):
    s = re.sub(r'%(\w+)', r'``\1``', s)
    s = re.sub(r'@(\w+)', r'**\1**', s)
    return s


def typed_params(proto):
    m = re.search(r'\((.*)\)', proto)
    out = {}
    for p in (m.group(1).split(',') if m else []):
        p = p.strip()
        n = re.search(r'(\w+)$', p)
        if n:
            out[n.group(1)] = ' '.join(p.split())
    return out


def md_inline(s):
    """reST inline markup to Markdown; identifiers go in code spans."""
    parts = re.split(r'(``.+?``)', s)
    out = []
    for p in parts:
        if p.startswith('``') and p.endswith('``') and len(p) > 4:
            out.append('`%s`' % p[2:-2])
            continue
        p = re.sub(r'\*\*(\w+)\*\*', r'`\1`', p)
        p = re.sub(r'(?<![`\w])(_*[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?![`\w])',
                   r'`\1`', p)
        p = re.sub(r'(?<![`\w])(\w+\(\))', r'`\1`', p)
        out.append(p)
    return ''.join(out)


def norm_proto(proto):
    p = ' '.join(proto.split())
    p = re.sub(r'\* ', '*', p)
    p = re.sub(r' \(', '(', p, count=1)
    return p.rstrip(';') + ';'


def macro_value(name):
    m = re.search(r'^#define\s+%s\s+(.*?)\s*$' % name, sources[header], re.M)
    return m.group(1) if m else ''


def render(items):
    out = []
    for it in items:
        if it.kind == 'doc':
            out.append('### %s\n' % it.name)
        else:
            label = it.name + ('()' if it.kind == 'function' else '')
            out.append('### %s\n' % label)
            if it.kind == 'function':
                out.append('```c\n%s\n```\n' % norm_proto(it.proto))
            else:
                out.append('```c\n#define %s %s\n```\n'
                           % (it.name, macro_value(it.name)))
            if it.short:
                s = md_inline(it.short)
                out.append(s[0].upper() + s[1:] + ('' if s.endswith('.') else '.') + '\n')
        if it.params:
            out.append('**Parameters**\n')
            for n, t in it.params:
                out.append('- `%s`: %s' % (n, md_inline(t)))
            out.append('')
        for title, lines in it.sections:
            if it.kind != 'doc' or title != it.name:
                out.append('**%s**\n' % title)
            para = []
            for l in lines + ['']:
                if l.strip():
                    para.append(l.strip())
                elif para:
                    out.append(md_inline(' '.join(para)) + '\n')
                    para = []
    text = '\n'.join(out)
    return re.sub(r'\n{3,}', '\n\n', text).rstrip('\n') + '\n'


if kdoc == 'builtin':
    items = from_source([header] + exports)
else:
    with open(rst_path) as fh:
        items = from_rst(fh.read())
macros = [i for i in items if i.kind == 'macro']
funcs = [i for i in items if i.kind == 'function']
docs = [i for i in items if i.kind == 'doc']
srcs = ', '.join([header] + exports)
print('## Reference\n')
print('From the kernel-doc in %s.\n' % srcs)
if docs:
    print(render(docs))
if macros:
    print('## Constants\n')
    print(render(macros))
print('## Functions\n')
print(render(funcs), end='')
PY

if [ "$mode" = stdout ]; then
	cat "$tmp/gen"
	exit 0
fi
[ -f "$doc" ] || { echo "gen-api-doc: $doc is missing" >&2; exit 2; }
grep -qxF "$marker" "$doc" ||
	{ echo "gen-api-doc: no marker line in $doc" >&2; exit 2; }
{
	sed "/^$(printf '%s' "$marker" | sed 's/[][\.*^$/]/\\&/g')\$/q" "$doc"
	echo
	cat "$tmp/gen"
} >"$tmp/new"

if cmp -s "$tmp/new" "$doc"; then
	[ "$mode" = check ] && echo "gen-api-doc: docs/api.md is up to date"
	exit 0
fi
if [ "$mode" = check ]; then
	echo "gen-api-doc: docs/api.md is stale; run scripts/gen-api-doc.sh" >&2
	diff -u "$doc" "$tmp/new" | head -n 40 >&2 || true
	exit 1
fi
cp "$tmp/new" "$doc"
echo "gen-api-doc: wrote docs/api.md (kernel-doc: $kdoc)"
