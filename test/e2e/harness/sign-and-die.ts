import { openStore } from "../../../oracle-node/src/store/node-store";
import { followerOn, signedProposal } from "../../support/node-fixtures";

/**
 * `node --import tsx test/e2e/harness/sign-and-die.ts DB EPOCH ROUND FEEDS TS`: oracle 0's real
 * follower on the SQLite file DB signs the proposal for (EPOCH, ROUND) over FEEDS (comma
 * separated) stamped TS, prints `{"code", "signature"}` on one line, and waits to be killed
 * (the test sends SIGKILL the moment the signature is out: nothing runs after it).
 */
const [db, epoch, round, feeds, ts] = process.argv.slice(2);
const store = openStore(db);
const fw = followerOn(store);
const r = fw.checkAndSign(signedProposal(Number(epoch), Number(round), feeds.split(",").map(Number), Number(ts)), Number(epoch), Number(round));
process.stdout.write(JSON.stringify({ code: r.code, signature: r.signature }) + "\n");
setInterval(() => undefined, 60_000);
