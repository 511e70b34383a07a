// A real Bluesky PDS for the tests, with an in-memory PLC directory, both on 127.0.0.1.
//
//   node tests/peers/pds/start.mjs
//
// Prints one line, `PDS_URL=http://127.0.0.1:<port>`, when it accepts requests. Everything
// it stores lives in a temporary folder that is removed when it stops: on SIGTERM/SIGINT,
// or when its stdin closes (so it never outlives the test run that started it).
// Handles end in `.test`. Set PDS_PEER_LOG=1 to see the servers' own logs on stderr.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

const HOST = '127.0.0.1'

// Make the servers' listen(port) bind to loopback only.
function loopbackOnly(app) {
  const listen = app.listen.bind(app)
  app.listen = (port, ...rest) => listen(port, HOST, ...rest)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, HOST, () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function k256PrivateKeyHex() {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' })
  return Buffer.from(privateKey.export({ format: 'jwk' }).d, 'base64url').toString('hex')
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tidings-pds-'))
let plc
let pds
let stopping = false

async function stop(code) {
  if (stopping) return
  stopping = true
  try {
    await pds?.destroy()
    await plc?.destroy()
  } catch (err) {
    console.error('error while stopping:', err)
    code = code || 1
  } finally {
    rmSync(dataDir, { recursive: true, force: true })
    process.exit(code)
  }
}

async function main() {
  // The logger reads these when the packages are first imported, hence the dynamic imports.
  process.env.LOG_ENABLED = process.env.PDS_PEER_LOG ? 'true' : 'false'
  process.env.LOG_DESTINATION = '2' // stderr; stdout carries only the URL line

  const { PlcServer, Database: PlcDatabase } = await import('@did-plc/server')
  plc = PlcServer.create({ db: PlcDatabase.mock(), port: 0 })
  loopbackOnly(plc.app)
  const plcServer = await plc.start()
  const plcUrl = `http://${HOST}:${plcServer.address().port}`

  const port = await freePort()
  Object.assign(process.env, {
    PDS_PORT: String(port),
    PDS_HOSTNAME: 'localhost',
    PDS_DEV_MODE: 'true',
    PDS_DID_PLC_URL: plcUrl,
    PDS_INVITE_REQUIRED: 'false',
    PDS_RATE_LIMITS_ENABLED: 'false',
    PDS_CRAWLERS: '',
    PDS_DATA_DIRECTORY: dataDir,
    PDS_BLOBSTORE_DISK_LOCATION: path.join(dataDir, 'blobs'),
    PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: k256PrivateKeyHex(),
    PDS_JWT_SECRET: randomBytes(16).toString('hex'),
    PDS_ADMIN_PASSWORD: randomBytes(16).toString('hex'),
  })
  const pdsLib = await import('@atproto/pds')
  const env = pdsLib.readEnv()
  pds = await pdsLib.PDS.create(pdsLib.envToCfg(env), pdsLib.envToSecrets(env))
  loopbackOnly(pds.app)
  await pds.start()
  process.stdout.write(`PDS_URL=http://${HOST}:${port}\n`)
}

process.on('SIGTERM', () => stop(0))
process.on('SIGINT', () => stop(0))
process.stdin.on('end', () => stop(0))
process.stdin.on('error', () => stop(0))
process.stdin.resume()

main().catch((err) => {
  console.error('the PDS did not start:', err)
  stop(1)
})
