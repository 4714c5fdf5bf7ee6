import { Controller, Get, HttpCode, Param, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { RequirePermissions, TenantMemberOrStaff } from '../../common/authorization/access.decorators.js';
import { PlatformRole } from '../../common/authorization/platform-role.js';
import { Ctx, TenantCtx } from '../../common/context/current-context.decorator.js';
import type { RequestContext, TenantContext } from '../../common/context/request-context.js';
import { FILE_NAME_HEADER, attachmentDisposition } from './support-attachment.files.js';
import { SupportAttachmentService } from './support-attachment.service.js';
import { SupportHttpErrorFilter } from './support-http-error.filter.js';
import type { SupportAttachmentType } from './support.types.js';

/**
 * Support attachments over REST: the raw bytes are the body (`Content-Type` the file's type, the name in
 * `X-File-Name`), authenticated with the same Bearer credential as the GraphQL API.
 */
@Controller('support')
@UseFilters(SupportHttpErrorFilter)
export class SupportAttachmentController {
  constructor(private readonly attachments: SupportAttachmentService) {}

  /** Any member of the tenant that owns the request (users only, with an active tenant). */
  @RequirePermissions([], { actors: ['user'] })
  @Post('requests/:id/attachments')
  @HttpCode(201)
  upload(@TenantCtx() ctx: TenantContext, @Param('id') id: string, @Req() req: Request): Promise<SupportAttachmentType> {
    return this.attachments.upload(ctx, id, {
      contentType: req.headers['content-type'],
      contentLength: req.headers['content-length'],
      fileName: req.headers[FILE_NAME_HEADER],
      body: req,
    });
  }

  /** A member of the attachment's tenant, or support staff. */
  @TenantMemberOrStaff(PlatformRole.SUPPORT)
  @Get('attachments/:id')
  async download(@Ctx() ctx: RequestContext, @Param('id') id: string, @Res() res: Response): Promise<void> {
    const file = await this.attachments.download(ctx, id);
    // setHeader, not Express's res.set, which would append a charset to the stored type.
    res.statusCode = 200;
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', String(file.content.length));
    res.setHeader('Content-Disposition', attachmentDisposition(file.fileName));
    // Served as a download of exactly the stored type: never sniffed, never rendered as a page.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('Cache-Control', 'private, no-store');
    res.end(file.content);
  }
}
