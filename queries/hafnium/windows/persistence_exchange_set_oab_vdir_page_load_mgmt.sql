/* ---
id: e9f2f30a-b1fd-4c50-b625-d223c66e3001
name: "Exchange Set-OabVirtualDirectory ExternalUrl with Page_Load script in MSExchange Management (Sigma)"
status: stable
severity: high
cves: [CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [cmdlet_text]
variant_of: 4931ec4b-19d7-4830-af8d-f074d1077344
description: >
  Sigma "Exchange Set OabVirtualDirectory ExternalUrl Property": an MSExchange Management event containing all of
  Set-OabVirtualDirectory, ExternalUrl, Page_Load and script. Catches variants of the web-shell code that do not use
  the eval(Request / "unsafe" markers of the critical rule.
why_severity: >
  Sigma rates this looser rule high (the critical sibling requires the China Chopper markers).
false_positives:
  - None known.
references:
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/builtin/msexchange/win_exchange_set_oabvirtualdirectory_externalurl.yml
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
WHERE strpos(lower(t), 'set-oabvirtualdirectory') > 0 AND strpos(lower(t), 'externalurl') > 0
  AND strpos(lower(t), 'page_load') > 0 AND strpos(lower(t), 'script') > 0
GROUP BY agency, host, substr(t, 1, 1000)
