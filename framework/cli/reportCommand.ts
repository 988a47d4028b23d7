import type { Command } from 'commander';

interface ReportFlags {
  readonly out?: string;
}

/** Adds `stepmr report`. */
export function addReportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'write a job report: one HTML file with its stages, task timeline, bytes per task, reducer skew, slowest tasks and cost',
    )
    .argument(
      '<output-or-job-id>',
      "the job's output location (folder, file:// or s3:// URI), or a job id run here",
    )
    .option('-o, --out <file>', 'the HTML file to write (default: <job id>.report.html)')
    .action(async (target: string, flags: ReportFlags) => {
      if (target.startsWith('s3://')) (await import('../runtime/aws/s3.js')).useS3();
      const { loadManifest } = await import('../report/writeReport.js');
      const { chartLibraries, renderReport } = await import('../report/renderReport.js');
      const { reportData } = await import('../report/reportData.js');
      const { writeFile } = await import('node:fs/promises');
      const manifest = await loadManifest(target);
      const file = flags.out ?? `${manifest.jobId}.report.html`;
      const data = reportData(manifest);
      await writeFile(file, renderReport(data, await chartLibraries()));
      const omitted = data.omittedTasks ? ` (${data.omittedTasks} faster ones left out by _SUCCESS)` : '';
      process.stdout.write(`report of ${manifest.jobId}: ${data.tasks.length} tasks${omitted} → ${file}\n`);
    });
}
