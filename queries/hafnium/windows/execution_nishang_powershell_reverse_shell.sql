/* ---
id: 870214ff-5c8f-4305-b975-cfdb5e1d1533
name: "Nishang PowerShell reverse shell (TCPClient one-liner) and Nishang cmdlets in script blocks"
status: stable
severity: high
cves: []
mitre: ["TA0002:T1059.001", "TA0011:T1095"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [evidence_text]
description: >
  HAFNIUM used Nishang's Invoke-PowerShellTcpOneLine reverse shell (Microsoft blog). Matches process command lines with
  "$client = New-Object System.Net.Sockets.TCPClient" (the blog's query) or with Net.Sockets.TCPClient and
  System.Text.ASCIIEncoding together (Splunk), and PowerShell 4104 script blocks that name Nishang cmdlets (Sigma
  "Malicious Nishang PowerShell Commandlets": a distinctive subset of its list is used here). Base64 -EncodedCommand
  payloads are not decoded (Sentinel's decoding variant is not portable SQL).
  Base64 -e / -enc / -EncodedCommand arguments of 50 or more characters are decoded (UTF-16LE, as PowerShell encodes
  them) before matching, as Sentinel's "Nishang Reverse TCP Shell in Base64" does; the decoded text also matches when
  it holds tcpclient, a $ variable and invoke/iex (Sentinel's test), and is given in decoded_command.
why_severity: >
  Microsoft, Splunk and Sigma treat these as malicious (Sigma high).
false_positives:
  - Penetration tests.
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://github.com/splunk/security_content/blob/develop/detections/endpoint/nishang_powershelltcponeline.yml
  - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SecurityEvent/NishangReverseTCPShellBase64.yaml
  - https://github.com/SigmaHQ/sigma/tree/master/rules/windows/powershell/powershell_script
--- */
-- Stage 1: command lines and script blocks; a base64 -e/-enc/-EncodedCommand argument (50+ characters, Sentinel)
-- decoded as UTF-16LE: from_utf8 reads each character's low byte and the high zero bytes are removed; try() keeps a
-- malformed argument from aborting the query (from_base64 raises on it).
WITH ev AS (
  SELECT agency, host, event_time, event_id,
         CASE WHEN event_id = 4104 THEN script_block_text ELSE command_line END AS evidence_text,
         replace(try(from_utf8(from_base64(regexp_extract(command_line, '(?i)\s[-/]e[a-z]*\s+"?([a-z0-9+/]{50,}={0,2})', 1)))),
                 chr(0), '') AS decoded_command
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND (((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
         OR (event_id = 4104 AND strpos(lower(channel), 'powershell') > 0))
),
-- Stage 2: the text matched: the command or script block, and the decoded argument.
texts AS (
  SELECT *, lower(coalesce(evidence_text, '') || chr(10) || coalesce(decoded_command, '')) AS t FROM ev
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       substr(evidence_text, 1, 1000) AS evidence_text, min(substr(decoded_command, 1, 1000)) AS decoded_command,
       min(event_id) AS event_id
FROM texts
WHERE regexp_like(t, '\$client\s*=\s*new-object\s+(system\.)?net\.sockets\.tcpclient')
   OR (strpos(t, 'net.sockets.tcpclient') > 0 AND strpos(t, 'system.text.asciiencoding') > 0)
   -- Sentinel's test on the decoded argument: tcpclient, a $ variable, and invoke or iex.
   OR (strpos(lower(decoded_command), 'tcpclient') > 0 AND strpos(decoded_command, '$') > 0
       AND regexp_like(lower(decoded_command), 'invoke|iex'))
   -- Distinctive Nishang cmdlet names (subset of Sigma's 72; generic names such as Get-Information left out).
   OR (event_id = 4104 AND regexp_like(t,
       'invoke-powershelltcp|invoke-powershelltcponeline|invoke-powershelludp|invoke-powershellicmp|invoke-powershellwmi|invoke-poshrathttps?|invoke-psgcat|invoke-jsratrundll|invoke-jsratregsvr|get-passhashes|get-lsasecret|invoke-credentialsphish|get-wlan-keys|invoke-bruteforce|invoke-networkrelay|invoke-ssidexfil|add-regbackdoor|add-scrnsavebackdoor|gupt-backdoor|invoke-adsbackdoor|invoke-psuacme|invoke-interceptor|do-exfiltration|add-exfiltration|out-dnstxt|invoke-prasadhak|http-backdoor|execute-dnstxt-code|run-exeonremote|invoke-mimikittenz'))
GROUP BY agency, host, substr(evidence_text, 1, 1000)
