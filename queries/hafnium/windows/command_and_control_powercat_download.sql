/* ---
id: 98dbcd80-da59-4a17-a5cf-b8b82300e283
name: "PowerCat download or use from a command line or script block"
status: stable
severity: high
cves: []
mitre: ["TA0011:T1095", "TA0002:T1059.001"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [evidence_text]
description: >
  HAFNIUM downloaded PowerCat from GitHub (Microsoft blog: raw.githubusercontent.com/besimorhino/powercat/master/powercat.ps1).
  Matches cmd/powershell/PowerShell_ISE command lines containing powercat.ps1 (Microsoft, Sentinel), script blocks
  (4104) or classic PowerShell engine events (400/800) containing "powercat " or powercat.ps1 (Sigma, medium), and the
  signature-base artefact "powercat.ps1'); powercat -c".
why_severity: >
  Sentinel and Microsoft treat the download as malicious; Sigma's engine-event rule is medium because the text alone
  could be a mention. Script-block-only rows without the .ps1 download are medium.
false_positives:
  - Penetration tests.
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SecurityEvent/PowerCatDownload.yaml
  - https://github.com/Neo23x0/signature-base/blob/master/yara/apt_hafnium.yar
--- */
WITH ev AS (
  SELECT agency, host, event_time, event_id,
         coalesce(CASE WHEN event_id = 4104 THEN script_block_text END, command_line, data_text) AS evidence_text
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND (((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0 OR event_id = 4688 AND lower(channel) = 'security')
          AND regexp_like(lower(image), '\\(cmd|powershell|pwsh|powershell_ise)\.exe$'))
         OR (event_id = 4104 AND strpos(lower(channel), 'powershell') > 0)
         OR (event_id IN (400, 800) AND lower(channel) = 'windows powershell'))
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN strpos(lower(evidence_text), 'powercat.ps1') > 0 THEN 'high' ELSE 'medium' END AS severity,
       substr(evidence_text, 1, 1000) AS evidence_text
FROM ev
WHERE strpos(lower(evidence_text), 'powercat.ps1') > 0 OR strpos(lower(evidence_text), 'powercat ') > 0
GROUP BY agency, host, substr(evidence_text, 1, 1000), strpos(lower(evidence_text), 'powercat.ps1') > 0
