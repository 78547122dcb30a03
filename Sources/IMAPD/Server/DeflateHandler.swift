import CompressNIO
import NIOCore

/// COMPRESS=DEFLATE (RFC 4978): raw deflate both ways, each write flushed (Z_SYNC_FLUSH)
/// so a response never waits in the compressor. Decompressed input goes on in pieces, so
/// a small compressed burst cannot make one huge buffer; the command framer's limits apply
/// after it.
final class DeflateHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let piece = 64 * 1024

    private let compressor: ZlibCompressor
    private let decompressor: ZlibDecompressor

    init() throws {
        // A small window and memory level keep an idle compressed connection cheap; the
        // decompressor takes whatever window the client chose (RFC 4978 §4).
        compressor = try ZlibCompressor(algorithm: .deflate, configuration: ZlibConfiguration(windowSize: 12, compressionLevel: 6, memoryLevel: 5))
        decompressor = try ZlibDecompressor(algorithm: .deflate, windowSize: 15)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        do {
            for piece in try inflate(&input, allocator: context.channel.allocator) {
                context.fireChannelRead(wrapInboundOut(piece))
            }
        } catch {
            context.fireErrorCaught(error)
        }
    }

    /// Decompresses what arrived (also the bytes that came with the COMPRESS command).
    func inflate(_ input: inout ByteBuffer, allocator: ByteBufferAllocator) throws -> [ByteBuffer] {
        var pieces: [ByteBuffer] = []
        while input.readableBytes > 0 {
            let before = input.readableBytes
            var out = allocator.buffer(capacity: DeflateHandler.piece)
            do {
                try decompressor.inflate(from: &input, to: &out)
            } catch let e as CompressNIOError where e == .bufferOverflow {
                // The piece is full; more output follows.
            } catch let e as CompressNIOError where e == .inputBufferOverflow {
                // Everything given was used; the rest of the stream is still to come.
            }
            if out.readableBytes > 0 { pieces.append(out) }
            if out.readableBytes == 0 && input.readableBytes == before { break }  // no progress: wait for more
        }
        return pieces
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var input = unwrapOutboundIn(data)
        var out = context.channel.allocator.buffer(capacity: compressor.maxSize(from: input))
        do {
            while true {
                do {
                    try compressor.deflate(from: &input, to: &out, flush: .sync)
                    break
                } catch let e as CompressNIOError where e == .bufferOverflow && (input.readableBytes > 0 || out.writableBytes == 0) {
                    out.reserveCapacity(minimumWritableBytes: max(4096, input.readableBytes + 64))
                } catch let e as CompressNIOError where e == .bufferOverflow {
                    break  // nothing left to flush
                }
            }
            context.write(wrapOutboundOut(out), promise: promise)
        } catch {
            promise?.fail(error)
            context.fireErrorCaught(error)
        }
    }
}
