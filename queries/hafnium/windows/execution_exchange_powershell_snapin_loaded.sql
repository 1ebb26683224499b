/* ---
id: 133ea3b7-0c86-4a3a-bf26-b8cb9fde450e
name: "Exchange PowerShell snap-in loaded from a command line (Add-PSSnapin Microsoft.Exchange...)"
status: stable
severity: low
cves: []
mitre: ["TA0002:T1059.001", "TA0009:T1114.001"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [command_line]
description: >
  HAFNIUM loaded the Exchange snap-in to export mailboxes (Microsoft blog). Sigma "Exchange PowerShell Snap-Ins Usage":
  powershell/pwsh with Add-PSSnapin and Microsoft.Exchange.Powershell.Snapin or
  Microsoft.Exchange.Management.PowerShell.SnapIn; Sentinel's hunting query also accepts cmd and PowerShell_ISE.
  Exchange setup's own call (msiexec parent with $exserver=Get-ExchangeServer ([Environment]::MachineName)
  -ErrorVariable exerr) is excluded. Rows whose parent is w3wp.exe or a UM process (a web shell loading the snap-in)
  are raised to high.
why_severity: >
  Sigma rates it high, but Exchange administrators' and backup scripts load the snap-in routinely (Sentinel ships it
  as a hunting query only), so a plain hit is low; launched from the web or UM worker it is high.
false_positives:
  - Administrators' scheduled scripts and backup or monitoring agents that load the snap-in.
references:
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_powershell_snapins_hafnium.yml
  - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SecurityEvent/ExchangePowerShellSnapin.yaml
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN regexp_like(lower(coalesce(parent_image, '')), '\\(w3wp|umworkerprocess|umservice)\.exe$') THEN 'high'
            ELSE 'low' END AS severity,
       command_line, min(image) AS image, parent_image
FROM windows_events
WHERE dt BETWEEN ? AND ?
  AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
  AND regexp_like(lower(image), '\\(powershell|pwsh|powershell_ise|cmd)\.exe$')
  AND strpos(lower(command_line), 'add-pssnapin') > 0
  AND (strpos(lower(command_line), 'microsoft.exchange.powershell.snapin') > 0
       OR strpos(lower(command_line), 'microsoft.exchange.management.powershell.snapin') > 0)
  -- Exchange setup (msiexec) checking the local server: Sigma's exclusion.
  AND NOT (lower(parent_image) LIKE '%\msiexec.exe'
           AND strpos(command_line, '$exserver=Get-ExchangeServer ([Environment]::MachineName) -ErrorVariable exerr 2> $null') > 0)
GROUP BY agency, host, command_line, parent_image
