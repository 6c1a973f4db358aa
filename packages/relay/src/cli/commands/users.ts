import { Option, type Command } from 'commander';
import { roles } from '@messagejs/shared-types';
import { createUser } from '../../features/accounts/users.js';
import { createPasswords } from '../../features/accounts/passwords.js';
import { adminAction } from '../options.js';

interface CreateOptions {
  email: string;
  passwordStdin?: boolean;
  role: (typeof roles)[number];
  account?: string;
  name?: string;
}

/** The whole of standard input, without its final line break (`printf '%s' "$PW" |` or `echo "$PW" |`). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `users create`: the first owner (as the setup link does), or a user who joins an account. */
export function registerUsers(program: Command): void {
  const users = program.command('users').description('Manage the people who sign in to the admin API.');
  adminAction(
    users
      .command('create')
      .description(
        'create a user: on a relay with no user, its first owner (who gets the demo project and every earlier one); else a member of an account',
      )
      .requiredOption('--email <address>')
      .addOption(
        new Option('--password-stdin', 'read the password from standard input (required)').makeOptionMandatory(),
      )
      .addOption(new Option('--role <role>', 'the member’s role').choices([...roles]).makeOptionMandatory())
      .option('--account <id>', 'the account to join (acc_…); the only account when there is one')
      .option('--name <name>', 'the person’s name'),
    async ({ store, actor, now }, opts: CreateOptions) =>
      createUser(
        { store, passwords: createPasswords(), now, actor },
        {
          email: opts.email,
          password: await readStdin(),
          role: opts.role,
          ...(opts.account && { accountId: opts.account }),
          ...(opts.name && { name: opts.name }),
        },
      ),
  );
}
