/**
 * Built-in SIPp scenarios, selectable by name with `--scenario NAME` (any other value is a path to a
 * scenario file). Users come from the injection file the harness writes: field0 = user name,
 * field1 = password.
 */
export const builtinScenarios: Record<string, { description: string; xml: string }> = {
  register: {
    description: 'One REGISTER per call for user [field0]; expects 200. Response time = REGISTER to 200.',
    xml: `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="beckon-register">
  <send retrans="500">
    <![CDATA[

      REGISTER sip:[remote_ip] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      From: <sip:[field0]@[remote_ip]>;tag=[pid]r[call_number]
      To: <sip:[field0]@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port];transport=[transport]>
      Expires: 3600
      User-Agent: beckon-bench
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" rtd="true"/>
</scenario>
`,
  },
  options: {
    description: 'One OPTIONS per call; expects 200 (a stateless ping of the transport and parser).',
    xml: `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="beckon-options">
  <send retrans="500">
    <![CDATA[

      OPTIONS sip:[remote_ip] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Max-Forwards: 70
      From: <sip:bench@[local_ip]>;tag=[pid]o[call_number]
      To: <sip:[remote_ip]>
      Call-ID: [call_id]
      CSeq: 1 OPTIONS
      Accept: application/sdp
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" rtd="true"/>
</scenario>
`,
  },
  'register-responder': {
    description:
      'Answers every REGISTER (or OPTIONS) with 200: a trivial server to check the harness itself.',
    xml: `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="beckon-register-responder">
  <recv request="REGISTER|OPTIONS" regexp_match="true"/>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]s[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
`,
  },
};
