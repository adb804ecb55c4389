import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { UploadEntity } from '../../entities/upload.entity';

@ObjectType('Attachment', {
  description:
    'A file attached to a message: uploaded first (POST /uploads), then named in sendMessage(attachmentIds) or receiveMessage(input.attachmentIds).',
})
export class AttachmentType {
  @Field(() => ID, { description: 'The upload id POST /uploads answered.' })
  id!: string;

  @Field({
    description:
      "The uploader's file name, as display text: its last path part, without control characters, at most 255 characters.",
  })
  fileName!: string;

  @Field({
    description:
      "The type the uploader declared for the file, as a lowercase type/subtype (text/plain, multipart's default, when it declared none).",
  })
  contentType!: string;

  @Field(() => Int, { description: 'Bytes.' })
  size!: number;

  @Field({
    description:
      'A signed link to the bytes (GET), valid for PARLEY_ATTACHMENT_LINK_TTL_SECONDS (1 h by default) from when it was read; ' +
      'anyone holding it may download until then. Absolute under PARLEY_PUBLIC_URL, else a path on this server. ' +
      'Expired: read the message again for a fresh one.',
  })
  url!: string;

  static from(entity: UploadEntity, url: string): AttachmentType {
    return Object.assign(new AttachmentType(), {
      id: entity.id,
      fileName: entity.fileName,
      contentType: entity.contentType,
      size: entity.size,
      url,
    });
  }
}
