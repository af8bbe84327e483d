#!/usr/bin/env python3
"""Copy the conformance corpus with each definition replaced by its recorded template, in the
template's own key order, where the two are equal as JSON (the corpus stores definitions with
their keys sorted, so a template's order cannot reach the engine from it).

Usage: scripts/conformance-templates.py ../shared/conformance/cases /tmp/cases-templates
       python3 ../shared/conformance/run.py --cli bin/stepwise --cases /tmp/cases-templates
"""
import json, glob, os, re, shutil, sys
src, dst = sys.argv[1], sys.argv[2]
tmpl_root = os.path.join(os.path.dirname(src.rstrip('/')), '..', 'spec', 'aws-recordings', 'templates')
shutil.rmtree(dst, ignore_errors=True)
shutil.copytree(src, dst)
def load5(text):
    text = re.sub(r'^\s*//.*$', '', text, flags=re.M)
    text = re.sub(r',(\s*[}\]])', r'\1', text)
    return json.loads(text)
n = m = 0
for f in glob.glob(os.path.join(dst, '*', '*.json')):
    d = json.load(open(f))
    t = d['source'].get('template')
    if not t:
        continue
    p = os.path.join(tmpl_root, t.split('templates/', 1)[1])
    try:
        tm = load5(open(p).read())
    except Exception:
        continue
    n += 1
    if tm == d['definition']:
        d['definition'] = tm
        m += 1
        json.dump(d, open(f, 'w'))
print(f'{m} of {n} definitions replaced by their template in its order', file=sys.stderr)
