/* ---
id: 4931ec4b-19d7-4830-af8d-f074d1077344
name: "ProxyLogon MSExchange OabVirtualDirectory: ExternalUrl with China Chopper code in MSExchange Management (Sigma)"
status: stable
severity: critical
cves: [CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [cmdlet_text]
description: >
  Sigma "ProxyLogon MSExchange OabVirtualDirectory": an MSExchange Management cmdlet event whose text contains
  OabVirtualDirectory and -ExternalUrl and any of eval(request, http://f/<script, "unsafe"}; or function Page_Load().
  Sigma needs " -ExternalUrl " with spaces in the rendered message; raw .evtx keeps the cmdlet and its parameters as
  separate values, so the text is matched without the surrounding spaces.
why_severity: >
  Sigma critical: the China Chopper markers in a URL parameter have no legitimate use.
false_positives:
  - None known.
references:
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/builtin/msexchange/win_exchange_proxylogon_oabvirtualdir.yml
  - https://github.com/SigmaHQ/sigma/blob/master/tests/thor.yml
--- */
WITH mgmt AS (
  SELECT agency, host, event_time, coalesce(message, '') || ' ' || coalesce(data_text, '') AS t
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND lower(channel) = 'msexchange management'
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       substr(t, 1, 1000) AS cmdlet_text
FROM mgmt
WHERE strpos(lower(t), 'oabvirtualdirectory') > 0
  AND strpos(lower(t), '-externalurl') > 0
  AND (strpos(lower(t), 'eval(request') > 0 OR strpos(lower(t), 'http://f/<script') > 0
       OR strpos(lower(t), '"unsafe"};') > 0 OR strpos(lower(t), 'function page_load()') > 0)
GROUP BY agency, host, substr(t, 1, 1000)
