import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { MIGRATIONS } from '../migrations';
import { ConfigError } from './config/app-config';
import { loadConfigModule } from './config/config.module';
import { ConnectionDoctor, DOCTOR_EXIT_CODES, DoctorLine } from './database/connection-doctor';

const MARK: Record<DoctorLine['verdict'], string> = { ok: '✓', fail: '✗', warn: '⚠', info: ' ' };

function print(line: DoctorLine): void {
  process.stdout.write(`${MARK[line.verdict]} ${line.step.padEnd(11)} ${line.text}\n`);
}

/**
 * `npm run doctor` (in a production image: `node dist/src/doctor.js`): why can this process not reach
 * its database? See ConnectionDoctor for the steps and DOCTOR_EXIT_CODES for the exit codes.
 */
async function main(): Promise<number> {
  // The ORM's own connection-error logs would repeat, less clearly, what the steps report.
  Logger.overrideLogger(false);
  process.stdout.write(`villa doctor — node ${process.version}\n`);
  try {
    const { config } = await loadConfigModule();
    return await new ConnectionDoctor(config, MIGRATIONS, print).run();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const problem of err.problems) print({ verdict: 'fail', step: 'config', text: problem });
    print({ verdict: 'info', step: 'result', text: `config (exit code ${DOCTOR_EXIT_CODES.config})` });
    return DOCTOR_EXIT_CODES.config;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`doctor failed unexpectedly: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
