import { openStore } from "../../../oracle-node/src/store/node-store";
import { memberFollower, memberProposal, type MemberSignSpec } from "./member-signer";

/**
 * `SIGN_AND_DIE_SPEC=JSON node --import tsx test/e2e/harness/sign-and-die-member.ts` (the spec holds
 * throw-away chain keys: environment, not argv): a real committee
 * member's follower on the SQLite file `spec.db` (member-signer.ts) is asked to sign the spec's
 * proposal, prints `{"code", "signature"}` on one line, and waits to be killed (the test sends
 * SIGKILL the moment the line is out: nothing runs after it).
 */
const spec = JSON.parse(process.env.SIGN_AND_DIE_SPEC ?? "") as MemberSignSpec;
const store = openStore(spec.db);
const r = memberFollower(store, spec).checkAndSign(memberProposal(spec), spec.epoch, spec.round);
process.stdout.write(JSON.stringify({ code: r.code, signature: r.signature }) + "\n");
setInterval(() => undefined, 60_000);
