#!/bin/sh
# Benchmark: `certagent-cli verify` on the crafted PDFs of issue #22, made here (none is stored):
# one object nested 800 and 20,000 dictionaries deep, 10,000 /ByteRange entries over a 1 MB
# /Contents, and 100 (the limit) of them. Each must be answered (refused) within a second;
# a run is stopped after 60 s.
#   bench/pdf_crafted.sh [path/to/certagent-cli]
set -eu
CLI=${1:-build/default/bin/certagent-cli}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/certagent-crafted.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
python3 - "$WORK" <<'PY'
import sys
work = sys.argv[1]
def pdf(objs):
    out = b"%PDF-1.4\n"; offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out)); out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, x)
    return out
cat, pages = b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"
for d in (800, 20000):
    open(f"{work}/nested-{d}.pdf", "wb").write(pdf([cat, pages, b"<< /A " * d + b"1" + b" >>" * d]))
contents = b"<" + b"0" * 1000000 + b">"
for n in (100, 10000):
    head = b"%PDF-1.4\n1 0 obj\n<< /Type /Sig /Contents "
    ranges = b"".join(b"/ByteRange [0 %d %d 10]\n" % (len(head), len(head) + len(contents)) for _ in range(n))
    open(f"{work}/byterange-{n}.pdf", "wb").write(head + contents + b"\n" + ranges + b">>\nendobj\n%%EOF\n")
PY
for f in nested-800 nested-20000 byterange-100 byterange-10000; do
    size=$(wc -c < "$WORK/$f.pdf")
    start=$(date +%s.%N)
    msg=$(timeout 60 "$CLI" verify "$WORK/$f.pdf" 2>&1 | tail -n 1 | cut -c1-110) || msg="exit status $? (124: stopped after 60 s)"
    end=$(date +%s.%N)
    printf '%-16s %8d bytes  %6.3f s  %s\n' "$f" "$size" "$(echo "$end - $start" | bc)" "$msg"
done
