#!/usr/bin/env python3
"""
Reference side of the EVTX comparison: runs python-evtx (the Debian package
python3-evtx, the same code as evtx_dump.py) over the files named on stdin, one
path per line, and prints one JSON object per record on stdout:

  {"file": ..., "chunk": n, "record": record_num, "event_id": ..., "qualifiers": ...,
   "provider": ..., "channel": ..., "computer": ..., "time": ..., "level": ...,
   "user_sid": ..., "pid": ..., "tid": ..., "data": {name: value}}

The XML text is exactly what evtx_dump.py prints for the record (record.xml());
it is parsed back with the standard library and the event data extracted by the
same rules as the TypeScript parser (Data Name attribute, else param1, param2,
...; UserData: the child elements of its first element). Records python-evtx
cannot render are printed as {"file", "chunk", "record", "error"} and iteration
goes on; a file it cannot open at all gives one {"file", "file_error"} line.
"""
import json
import sys
import xml.etree.ElementTree as ET

import Evtx.Evtx as evtx

NS = '{http://schemas.microsoft.com/win/2004/08/events/event}'


def local(tag):
    return tag.rsplit('}', 1)[-1]


def text_of(el):
    return ''.join(el.itertext())


def add(data, key, value):
    # Same rule as the parser: a repeated name gets _2, _3, ...
    if key not in data:
        data[key] = value
        return
    n = 2
    while '%s_%d' % (key, n) in data:
        n += 1
    data['%s_%d' % (key, n)] = value


def extract(xml):
    root = ET.fromstring(xml)
    out = {}
    system = root.find(NS + 'System')
    if system is not None:
        def child(name):
            return system.find(NS + name)
        prov = child('Provider')
        out['provider'] = prov.get('Name') if prov is not None else None
        eid = child('EventID')
        out['event_id'] = text_of(eid) if eid is not None else None
        out['qualifiers'] = eid.get('Qualifiers') if eid is not None else None
        lvl = child('Level')
        out['level'] = text_of(lvl) if lvl is not None else None
        tc = child('TimeCreated')
        out['time'] = tc.get('SystemTime') if tc is not None else None
        rid = child('EventRecordID')
        out['record_id'] = text_of(rid) if rid is not None else None
        ch = child('Channel')
        out['channel'] = text_of(ch) if ch is not None else None
        comp = child('Computer')
        out['computer'] = text_of(comp) if comp is not None else None
        sec = child('Security')
        out['user_sid'] = sec.get('UserID') if sec is not None else None
        ex = child('Execution')
        out['pid'] = ex.get('ProcessID') if ex is not None else None
        out['tid'] = ex.get('ThreadID') if ex is not None else None
    data = {}
    ed = root.find(NS + 'EventData')
    if ed is not None:
        unnamed = 0
        for el in ed:
            tag = local(el.tag)
            if tag == 'Data' and el.get('Name') is not None:
                add(data, el.get('Name'), text_of(el))
            elif tag == 'Data':
                unnamed += 1
                add(data, 'param%d' % unnamed, text_of(el))
            else:
                add(data, tag, text_of(el))
    ud = root.find(NS + 'UserData')
    if ud is not None:
        for top in ud:
            for el in top:
                add(data, local(el.tag), text_of(el))
            break
    out['data'] = data
    return out


def dump(path, w):
    try:
        with evtx.Evtx(path) as log:
            fh = log.get_file_header()
            for chunk_no, chunk in enumerate(fh.chunks()):
                try:
                    for record in chunk.records():
                        base = {'file': path, 'chunk': chunk_no, 'record': record.record_num()}
                        try:
                            xml = record.xml()
                        except Exception as e:  # python-evtx chokes on this record
                            base['error'] = '%s: %s' % (type(e).__name__, e)
                            w(base)
                            continue
                        try:
                            base.update(extract(xml))
                        except ET.ParseError as e:
                            base['xml_error'] = str(e)
                        w(base)
                except Exception as e:  # the chunk's record walk itself failed
                    w({'file': path, 'chunk': chunk_no, 'chunk_error': '%s: %s' % (type(e).__name__, e)})
    except Exception as e:
        w({'file': path, 'file_error': '%s: %s' % (type(e).__name__, e)})


def main():
    out = sys.stdout
    def w(obj):
        out.write(json.dumps(obj, ensure_ascii=False))
        out.write('\n')
    for line in sys.stdin:
        path = line.rstrip('\n')
        if path:
            dump(path, w)
    out.flush()


if __name__ == '__main__':
    main()
