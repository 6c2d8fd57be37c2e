import { InvalidArgumentError, type Command } from "commander";
import { NonceManager, Wallet, getAddress, parseUnits, formatEther } from "ethers";
import { loadKeystore } from "../../keys/keystore";
import { readPassword, readSecret } from "../../keys/password";
import { alert, claim, connect, fmt, stake, unbond, withdraw, type Contracts } from "../../economics/actions";
import { chainTarget, type ChainTargetOptions } from "../chain-target";

/**
 * `oracle-node stake|unbond|withdraw|claim|alert`: an operator's stake and payouts and anyone's
 * staleness alert, on the economics contracts (docs/economics-node.md). The account signs from a
 * keystore (--keystore with --password-env/--password-file) or a private key in an environment
 * variable or file; never from argv. Every refusal names the contract's rule (FeedNotStale,
 * SignerInActiveConfig, ...) before a transaction is sent.
 */

interface KeyOptions {
  keystore?: string;
  passwordEnv?: string;
  passwordFile?: string;
  privateKeyEnv?: string;
  privateKeyFile?: string;
}

type Opts = ChainTargetOptions & KeyOptions;

/** A token amount in whole tokens with up to 18 decimals ("1000", "0.5"); never negative or zero. */
export function tokenAmount(v: string): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(v.trim())) throw new InvalidArgumentError("must be a token amount (decimal, up to 18 decimals)");
  const n = parseUnits(v.trim(), 18);
  if (n === 0n) throw new InvalidArgumentError("must be above 0");
  if (n >= 2n ** 96n) throw new InvalidArgumentError("is above the staking contract's uint96 stake");
  return n;
}

function signerAddress(v: string): string {
  try {
    return getAddress(v);
  } catch {
    throw new InvalidArgumentError("must be an address");
  }
}

function feedIndex(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("must be a feed index (an integer >= 0)");
  return n;
}

async function account(o: KeyOptions): Promise<Wallet> {
  if (o.keystore) return loadKeystore(o.keystore, readPassword({ env: o.passwordEnv, file: o.passwordFile }));
  if (o.privateKeyEnv || o.privateKeyFile) return new Wallet(readSecret("private key", { env: o.privateKeyEnv, file: o.privateKeyFile }));
  throw new Error("no account: give --keystore <file> (with --password-env/--password-file) or --private-key-env/--private-key-file");
}

/** Opens the target and the account, runs `fn`, closes the provider. */
async function withContracts(o: Opts, fn: (c: Contracts, me: string) => Promise<void>): Promise<void> {
  const wallet = await account(o);
  const t = await chainTarget(o);
  try {
    const signer = new NonceManager(wallet.connect(t.provider));
    await fn(connect(signer, t.economics, t.rewards), wallet.address);
  } finally {
    t.provider.destroy();
  }
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption("--rpc <url>", "JSON-RPC endpoint")
    .option("--addresses <file>", "addresses file written by `oracle-node deploy` (aggregator and economics contracts)")
    .option("--aggregator <address>", "the QuorumAggregator (instead of --addresses)")
    .option("--economics <address>", "the OracleStaking contract (default: from --addresses)")
    .option("--rewards <address>", "the OracleRewards contract (default: from --addresses)")
    .option("--keystore <file>", "the account's encrypted keystore")
    .option("--password-env <var>", "environment variable holding the keystore password")
    .option("--password-file <file>", "file holding the keystore password")
    .option("--private-key-env <var>", "environment variable holding the account's hex private key (instead of --keystore)")
    .option("--private-key-file <file>", "file holding the account's hex private key (instead of --keystore)");
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

export function register(program: Command): void {
  common(program.command("stake").description("stake tokens for a committee signer (approves first when needed); the first staker becomes its operator"))
    .requiredOption("--signer <address>", "the committee signer the stake is for", signerAddress)
    .requiredOption("--amount <tokens>", "tokens to stake (decimal)", tokenAmount)
    .action((o: Opts & { signer: string; amount: bigint }) =>
      withContracts(o, async (c) => {
        const r = await stake(c, o.signer, o.amount);
        out(`staked ${fmt(o.amount)} for ${o.signer}: active ${fmt(r.active)} (tx ${r.hash})`);
      }),
    );

  common(program.command("unbond").description("start unbonding a signer's stake (operator only; refused while the signer is in the active config)"))
    .requiredOption("--signer <address>", "the committee signer", signerAddress)
    .requiredOption("--amount <tokens>", "tokens to unbond (decimal)", tokenAmount)
    .action((o: Opts & { signer: string; amount: bigint }) =>
      withContracts(o, async (c) => {
        const r = await unbond(c, o.signer, o.amount);
        out(`unbonding ${fmt(o.amount)} of ${o.signer}: withdrawable from block time ${r.endsAt} (tx ${r.hash})`);
      }),
    );

  common(program.command("withdraw").description("withdraw a signer's unbonded stake to its operator, or with --payout the caller's alert/proof rewards"))
    .option("--signer <address>", "the committee signer whose unbonding ended", signerAddress)
    .option("--payout", "withdraw the caller's credited alerter/prover rewards instead")
    .action((o: Opts & { signer?: string; payout?: boolean }) => {
      if (!o.signer === !o.payout) throw new Error("withdraw: give exactly one of --signer <address> or --payout");
      return withContracts(o, async (c) => {
        const r = await withdraw(c, o.signer ?? null);
        out(`withdrew ${fmt(r.amount)} tokens (tx ${r.hash})`);
      });
    });

  common(program.command("claim").description("claim the caller's rewards (tokens) and gas reimbursement (native coin)")).action((o: Opts) =>
    withContracts(o, async (c, me) => {
      const r = await claim(c);
      out(`claimed for ${me}: ${fmt(r.rewards)} reward tokens, ${formatEther(r.reimbursementWei)} native reimbursement`);
    }),
  );

  common(program.command("alert").description("raise a staleness alert for a feed (anyone; only once the contract's rule allows)"))
    .requiredOption("--feed <index>", "the feed index in the aggregator", feedIndex)
    .action((o: Opts & { feed: number }) =>
      withContracts(o, async (c) => {
        const r = await alert(c, o.feed);
        out(`alert for feed ${o.feed}: slashed ${fmt(r.slashed)}, alerter reward ${fmt(r.reward)} (withdraw it with \`withdraw --payout\`) (tx ${r.hash})`);
      }),
    );
}
