/* ---
id: 99ecd17d-07a4-4a60-8b0b-d40c887cd18d
name: "MSExchangeMailboxReplication.exe writing an .aspx or .asp file (mailbox export turned web shell, Sigma)"
status: experimental
severity: high
cves: [CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [target_filename]
description: >
  Sigma "Suspicious MSExchangeMailboxReplication ASPX Write": a file ending in .aspx or .asp created by
  MSExchangeMailboxReplication.exe, the service that executes New-MailboxExportRequest. Attackers export a mailbox
  holding a crafted item to an .aspx path to drop a web shell (the ProxyShell technique, also reported after
  ProxyLogon). Sources: Sysmon file create (11) and Security 4663 with WriteData or AppendData (as bits). Severity is
  critical when the file lands in a web-shell folder (aspnet_client, FrontEnd\HttpProxy).
why_severity: >
  Sigma rates it high: the replication service writes .pst files, never web pages; in a web folder it is the drop.
false_positives:
  - None known.
references:
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/file/file_event/file_event_win_exchange_webshell_drop.yml
--- */
-- Stage 1: file writes by the mailbox replication service.
WITH writes AS (
  SELECT agency, host, event_time, image, target_filename, lower(target_filename) AS p
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 11 AND strpos(lower(channel), 'sysmon') > 0)
         -- WriteData (0x2) or AppendData (0x4) as bits: the last hex digit has bit 1 or 2 set.
         OR (event_id = 4663 AND lower(channel) = 'security' AND regexp_like(lower(access_mask), '^0x[0-9a-f]*[2-7a-f]$')))
    AND lower(image) LIKE '%\msexchangemailboxreplication.exe'
)
-- Stage 2: .aspx / .asp targets; critical in a web-shell folder.
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN strpos(p, '\inetpub\wwwroot\') > 0 OR strpos(p, '\frontend\httpproxy\') > 0 THEN 'critical'
            ELSE 'high' END AS severity,
       target_filename, min(image) AS image
FROM writes
WHERE regexp_like(p, '\.aspx?$')
GROUP BY agency, host, target_filename, p
