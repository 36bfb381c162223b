// The independent peers for the seal interop tests: eciesjs and @metamask/eth-sig-util.
// Reads a JSON array of operations on stdin (private keys travel on stdin, never in argv) and
// writes a JSON array of results, one per operation: {"ok": value} or {"error": message}.
"use strict";

const { encrypt: eciesEncrypt, decrypt: eciesDecrypt } = require("eciesjs");
const sigUtil = require("@metamask/eth-sig-util");

const hex = (s) => Buffer.from(s.replace(/^0x/, ""), "hex");

const handlers = {
  // eciesjs with its default configuration (the format a donor's tools would use).
  "ecies-encrypt": ({ publicKey, message }) =>
    Buffer.from(eciesEncrypt(publicKey.replace(/^0x/, ""), Buffer.from(message, "base64"))).toString("base64"),
  "ecies-decrypt": ({ privateKey, ciphertext }) =>
    Buffer.from(eciesDecrypt(privateKey.replace(/^0x/, ""), Buffer.from(ciphertext, "base64"))).toString("base64"),
  // MetaMask's eth_getEncryptionPublicKey / eth_decrypt, and the encrypt dapps call.
  "metamask-encryption-key": ({ privateKey }) =>
    sigUtil.getEncryptionPublicKey(privateKey.replace(/^0x/, "")),
  "metamask-encrypt": ({ publicKey, message }) =>
    sigUtil.encrypt({ publicKey, data: message, version: "x25519-xsalsa20-poly1305" }),
  "metamask-decrypt": ({ privateKey, envelope }) =>
    sigUtil.decrypt({ encryptedData: envelope, privateKey: privateKey.replace(/^0x/, "") }),
  // MetaMask's personal_sign (EIP-191 version 0x45).
  "personal-sign": ({ privateKey, message }) =>
    sigUtil.personalSign({ privateKey: hex(privateKey), data: message }),
};

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const results = JSON.parse(input).map((op) => {
    const handler = handlers[op.op];
    if (!handler) return { error: `unknown op ${op.op}` };
    try {
      return { ok: handler(op) };
    } catch (err) {
      return { error: String(err && err.message ? err.message : err) };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
