import { StoreQueryRequest, StoreQueryResponse } from './dist/store_v3.mjs'
import { readFileSync } from 'fs'
const v = JSON.parse(readFileSync(process.argv[2]))
const hex = (u) => u == null ? u : Buffer.from(u).toString('hex')
const out = {}
for (const [k, h] of Object.entries(v)) {
  const b = Buffer.from(h, 'hex')
  const d = k.startsWith('request') ? StoreQueryRequest.decode(b) : StoreQueryResponse.decode(b)
  out[k] = JSON.parse(JSON.stringify(d, (key, val) => {
    if (typeof val === 'bigint') return val.toString()
    if (val instanceof Uint8Array) return hex(val)
    if (val && val.type === 'Buffer') return hex(val.data)
    return val
  }))
}
console.log(JSON.stringify(out, null, 2))
