// xmpp.js ships JavaScript without type declarations; the probe types what it uses in client.ts.
declare module "@xmpp/client-core";
declare module "@xmpp/tcp";
declare module "@xmpp/middleware";
declare module "@xmpp/stream-features";
declare module "@xmpp/iq/caller.js";
declare module "@xmpp/iq/callee.js";
declare module "@xmpp/sasl";
declare module "@xmpp/sasl-plain";
declare module "@xmpp/sasl-scram-sha-1";
declare module "@xmpp/resource-binding";
declare module "@xmpp/tls/lib/Socket.js";
declare module "@xmpp/events";
declare module "@xmpp/xml";
declare module "saslmechanisms";
