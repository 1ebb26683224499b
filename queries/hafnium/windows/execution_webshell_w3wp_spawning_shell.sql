/* ---
id: ba664a9b-9f19-4f42-87a7-16f0157d0f8a
name: "IIS worker (w3wp.exe) spawning a shell or reconnaissance tool, with the Exchange application pool variant"
status: stable
severity: high
cves: [CVE-2021-26858, CVE-2021-27065]
mitre: ["TA0003:T1505.003", "TA0002:T1059"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [image, exchange_app_pool]
description: >
  Process creation whose parent is w3wp.exe and whose image is a shell or a discovery/lateral tool (Sigma
  webshell_susp_process_spawned_from_webserver list plus whoami from Splunk's list): how web shells run commands.
  Elastic's Exchange variant (w3wp started with -ap "MSExchange...AppPool" spawning cmd, powershell, pwsh or
  powershell_ise) is marked with exchange_app_pool. Compilers started by w3wp when ASP.NET compiles pages (csc.exe,
  cvtres.exe, vbc.exe) are not in the list.
why_severity: >
  Elastic requires an MSExchange*AppPool and rates that variant high; it stays high. Under a known non-Exchange
  application pool (other IIS applications on the host may legitimately shell out) shells are medium and discovery
  tools low. When the parent's command line is not logged (Security 4688), the pool is unknown: shells stay high as
  Sigma rates them, tools are medium.
false_positives:
  - Web applications that legitimately call net.exe, reg.exe or similar (other application pools).
references:
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_webshell_susp_process_spawned_from_webserver.yml
  - https://github.com/elastic/detection-rules/blob/main/rules/windows/initial_access_suspicious_ms_exchange_process.toml
  - https://github.com/splunk/security_content/blob/develop/detections/endpoint/w3wp_spawning_shell.yml
  - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SecurityEvent/NewChildProcessOfW3WP.yaml
--- */
WITH procs AS (
  SELECT agency, host, event_time, image, command_line, parent_command_line,
         regexp_extract(lower(image), '[^\\]+$') AS child,
         regexp_like(lower(coalesce(parent_command_line, '')), 'msexchange[a-z]*apppool') AS exchange_app_pool,
         parent_command_line IS NULL AS pool_unknown
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
    AND lower(parent_image) LIKE '%\w3wp.exe'
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN exchange_app_pool THEN 'high'
            -- Pool unknown (no parent command line, e.g. 4688): Sigma's high for shells.
            WHEN pool_unknown
              THEN CASE WHEN child IN ('cmd.exe', 'powershell.exe', 'pwsh.exe', 'powershell_ise.exe') THEN 'high' ELSE 'medium' END
            -- A known non-Exchange pool: one level lower.
            WHEN child IN ('cmd.exe', 'powershell.exe', 'pwsh.exe', 'powershell_ise.exe') THEN 'medium'
            ELSE 'low' END AS severity,
       image, exchange_app_pool, min(command_line) AS command_line, min(parent_command_line) AS parent_command_line
FROM procs
-- Shells, script hosts and the discovery / lateral-movement tools of the Sigma and Splunk lists.
WHERE child IN ('cmd.exe', 'powershell.exe', 'pwsh.exe', 'powershell_ise.exe', 'rundll32.exe', 'regsvr32.exe',
                'certutil.exe', 'net.exe', 'net1.exe', 'whoami.exe', 'wmic.exe', 'reg.exe', 'sc.exe', 'netsh.exe',
                'nltest.exe', 'cscript.exe', 'wscript.exe', 'bitsadmin.exe', 'hostname.exe', 'query.exe',
                'qwinsta.exe', 'quser.exe', 'ipconfig.exe', 'systeminfo.exe', 'tasklist.exe', 'arp.exe',
                'nslookup.exe', 'ping.exe', 'dsquery.exe', 'mshta.exe', 'schtasks.exe', 'at.exe', 'curl.exe',
                'wevtutil.exe', 'procdump.exe', 'procdump64.exe', 'makecab.exe', 'attrib.exe', 'vssadmin.exe')
GROUP BY agency, host, image, exchange_app_pool, child, pool_unknown
