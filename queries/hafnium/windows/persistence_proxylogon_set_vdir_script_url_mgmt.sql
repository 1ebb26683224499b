/* ---
id: b9080c5f-e8ef-4917-aca1-8b2774b2c428
name: "CVE-2021-27065: any Set-*VirtualDirectory with an HTML/script tag in a URL parameter in MSExchange Management (Test-ProxyLogon logic)"
status: stable
severity: critical
cves: [CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [cmdlet_text]
description: >
  Test-ProxyLogon's refined ECP rule applied to the MSExchange Management cmdlet audit log: a Set-<App>VirtualDirectory
  cmdlet whose *Url parameter holds an element such as <script>...</script>. Covers every virtual directory (ECP, OWA,
  EWS, OAB ...), where the Sigma rules cover the OAB directory only. Administrators setting valid URLs do not match.
why_severity: >
  A URL with markup is never valid (Microsoft: InternalUrl and ExternalUrl should only be valid URIs); Test-ProxyLogon
  reports the ECP equivalent in red.
false_positives:
  - None known.
references:
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
--- */
WITH mgmt AS (
  -- Raw .evtx keeps the cmdlet and its parameters on separate lines: join them so '.' spans them (no (?s) needed).
  SELECT agency, host, event_time, replace(coalesce(message, '') || ' ' || coalesce(data_text, ''), chr(10), ' ') AS t
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND lower(channel) = 'msexchange management'
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       substr(t, 1, 1000) AS cmdlet_text
FROM mgmt
WHERE regexp_like(t, '(?i)set-\w*virtualdirectory.+url.*<\w+.*>.*</\w+>')
GROUP BY agency, host, substr(t, 1, 1000)
