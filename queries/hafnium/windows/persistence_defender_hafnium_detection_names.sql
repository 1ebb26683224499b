/* ---
id: adc772b5-85f9-4838-96a9-f5ab2bd9e1a8
name: "Microsoft Defender detected a HAFNIUM/ProxyLogon threat family (Exmann, DoejoCrypt, SecChecker, Chopper, DumpLsass, TwoFace)"
status: stable
severity: high
cves: [CVE-2021-26855, CVE-2021-26857, CVE-2021-26858, CVE-2021-27065]
mitre: ["TA0003:T1505.003", "TA0006:T1003.001"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [threat_name]
description: >
  Microsoft Defender Operational events 1006/1007/1015/1116/1117 naming one of the detections the Microsoft blog listed
  for this campaign: Exploit:Script/Exmann.A!dha, Behavior:Win32/Exmann.A, Backdoor:ASP/SecChecker.A,
  Backdoor:JS/Webshell, Trojan:JS/Chopper!dha, Behavior:Win32/DumpLsass.A!attk, Backdoor:HTML/TwoFaceVar.B. Names are
  matched at family level, whatever the variant suffix: Exmann, DoejoCrypt (the ransomware that followed, DearCry),
  SecChecker, Chopper and ChinaChopper variants (Trojan:ASP/Chopper, Backdoor:ASP/Chopper.F!dha, ...), DumpLsass,
  TwoFace/TwoFaceVar, plus the exact Backdoor:JS/Webshell name. A detection (even a remediated one) means the file or
  behaviour was on the server.
why_severity: >
  An antivirus detection of the campaign's tooling (high); remediation does not undo a web shell already used.
false_positives:
  - Detections of researchers' sample files copied to the server.
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/Defender-MSERT-Guidance.md
--- */
-- Stage 1: Defender detection events, message and event data together.
WITH ev AS (
  SELECT agency, host, event_time, event_id, coalesce(message, '') || ' ' || coalesce(data_text, '') AS t
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND strpos(lower(channel), 'windows defender') > 0
    AND event_id IN (1006, 1007, 1015, 1116, 1117)
),
-- Stage 2: the threat name, by family (Category:Platform/Family then any variant suffix).
named AS (
  SELECT agency, host, event_time, event_id, t,
         regexp_extract(t, '(?i)(\b[a-z]+:[a-z0-9]+/(exmann|doejocrypt|secchecker|chinachopper|chopper|dumplsass|twofacevar|twoface)\b[a-z0-9.!]*|backdoor:js/webshell\b)', 1) AS threat_name
  FROM ev
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       threat_name, min(event_id) AS event_id, min(substr(t, 1, 500)) AS detail
FROM named
WHERE threat_name IS NOT NULL
GROUP BY agency, host, threat_name
