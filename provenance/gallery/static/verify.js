// Live verification badges: fetch each work's metadata and image from the IPFS gateway and
// compare their SHA-256 (Web Crypto) with the digests recorded on chain, which the page embeds.
// Green only when every check passes; any failure (changed bytes, missing content, a CID that
// does not match the digest) turns the badge red and says which check failed.
'use strict';

(function () {
  const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

  function base32 (bytes) {
    let bits = 0; let value = 0; let out = '';
    for (const b of bytes) {
      value = ((value << 8) | b) & 0xffff;
      bits += 8;
      while (bits >= 5) { out += B32[(value >>> (bits - 5)) & 31]; bits -= 5; }
    }
    if (bits > 0) out += B32[(value << (5 - bits)) & 31];
    return out;
  }

  function fromHex (hex) {
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  function toHex (buffer) {
    return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // CIDv1, raw codec, sha2-256: what the contract derives its tokenURI from.
  function rawCid (sha256Hex) {
    const bytes = new Uint8Array(36);
    bytes.set([0x01, 0x55, 0x12, 0x20]);
    bytes.set(fromHex(sha256Hex), 4);
    return 'b' + base32(bytes);
  }

  async function sha256Hex (bytes) {
    return toHex(await crypto.subtle.digest('SHA-256', bytes));
  }

  async function fetchBytes (gateway, cid, raw) {
    const url = `${gateway}/ipfs/${cid}${raw ? '?format=raw' : ''}`;
    const res = await fetch(url, { cache: 'no-store', headers: raw ? { Accept: 'application/vnd.ipld.raw' } : {} });
    if (!res.ok) throw new Error(`gateway answered ${res.status} for ${cid}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  async function check (data, gateway) {
    const problems = [];
    const expected = rawCid(data.metadataSha256);
    if (data.tokenURI !== `ipfs://${expected}` || data.metadataCid !== expected) {
      problems.push('the token URI is not the CID of the on-chain metadata digest');
      return problems;
    }
    const metadataBytes = await fetchBytes(gateway, data.metadataCid, true);
    if (await sha256Hex(metadataBytes) !== data.metadataSha256) {
      problems.push('metadata bytes differ from the on-chain digest');
      return problems;
    }
    const metadata = JSON.parse(new TextDecoder().decode(metadataBytes));
    const imageCid = data.imageCid || String(metadata.image || '').replace(/^ipfs:\/\//, '');
    const prov = metadata.provenance || {};
    if (metadata.image !== `ipfs://${imageCid}` || !prov.image || prov.image.cid !== imageCid) {
      problems.push('the metadata names another image');
    }
    if (!prov.image || prov.image.sha256 !== data.imageSha256) {
      problems.push("the metadata's image digest differs from the on-chain one");
    }
    const image = await fetchBytes(gateway, imageCid, false);
    if (await sha256Hex(image) !== data.imageSha256) {
      problems.push('image bytes differ from the on-chain digest');
    }
    return problems;
  }

  function show (badge, state, text) {
    badge.dataset.state = state;
    badge.querySelector('.badge-icon').textContent = { ok: '✓', bad: '✗', pending: '…' }[state];
    badge.querySelector('.badge-text').textContent = text;
    badge.querySelector('.recheck').hidden = state === 'pending';
  }

  async function run (badge, gateway) {
    const data = JSON.parse(badge.dataset.verify);
    show(badge, 'pending', 'Checking…');
    let problems;
    try {
      problems = await check(data, gateway);
    } catch (err) {
      problems = [`content unavailable or altered (${err.message})`];
    }
    if (problems.length === 0) {
      show(badge, 'ok', 'Verified: metadata and image match the recorded SHA-256 digests');
    } else {
      show(badge, 'bad', `Not verified: ${problems.join('; ')}`);
    }
  }

  function start () {
    const meta = document.querySelector('meta[name="provenance-gateway"]');
    const gateway = meta ? meta.content.replace(/\/$/, '') : '';
    if (!window.crypto || !crypto.subtle) {
      for (const badge of document.querySelectorAll('.badge')) {
        show(badge, 'bad', 'Cannot verify here: this page needs a secure context (https or localhost)');
      }
      return;
    }
    for (const badge of document.querySelectorAll('.badge[data-verify]')) {
      badge.querySelector('.recheck').addEventListener('click', () => run(badge, gateway));
      run(badge, gateway);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
