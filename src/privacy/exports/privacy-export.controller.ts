import { Controller, Get, Logger, Param, Res } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Public } from '../../common/authorization/access.decorators.js';
import { isClientGone } from '../../common/logging/logger.js';
import { PrivacyExportService } from './privacy-export.service.js';

/** What every link that leads to no file answers: unknown, expired, deleted or malformed, so a link says nothing. */
function answerNoExport(res: Response): void {
  res.status(404).json({ statusCode: 404, code: 'NOT_FOUND', message: 'No export at this link.' });
}

/**
 * Express mounted on the export path by prefix, ahead of the routes: the router decodes a route's parameters before
 * any handler runs and refuses bad percent-encoding (`%E0%A4%A`) with a 400 of its own; here such a link is answered
 * like every other bad link.
 */
export function undecodableExportLinks(req: Request, res: Response, next: NextFunction): void {
  try {
    decodeURIComponent(req.path);
  } catch {
    answerNoExport(res);
    return;
  }
  next();
}

const logger = new Logger('PrivacyExports');

/** The download link of an access or portability export: the token in the path is the only credential. */
@Controller('privacy/exports')
export class PrivacyExportController {
  constructor(private readonly exports: PrivacyExportService) {}

  @Public()
  @Get(':token')
  async download(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const file = await this.exports.download(token);
    // Unknown, expired and deleted links answer alike, so a token says nothing about whether it ever worked.
    if (!file) {
      answerNoExport(res);
      return;
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Length', String(file.byteSize));
    res.setHeader('Content-Disposition', `attachment; filename="${file.fileName}"`);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    // A byte stream holding at most about one chunk: an object stream would read 16 chunks (8 MiB) ahead of a slow client.
    try {
      await pipeline(Readable.from(file.chunks, { objectMode: false, highWaterMark: 1 }), res);
    } catch (error) {
      // The person closed the tab or lost the connection: the link still works, and nothing failed here.
      if (!isClientGone(error)) throw error;
      logger.log({ msg: 'export download ended early: the client closed the connection', byteSize: file.byteSize });
    }
  }
}
