/* mach/message.h — the message-related types and return codes the VM interface uses.
 * machemu has no mach_msg(); the MACH_SEND_* and MACH_RCV_* codes are here because
 * the direct traps answer MACH_SEND_INVALID_DEST for a bad port, as XNU's MIG path does. */
#ifndef MACHEMU_MACH_MESSAGE_H
#define MACHEMU_MACH_MESSAGE_H

#include <mach/kern_return.h>
#include <mach/port.h>

typedef natural_t mach_msg_type_number_t;
typedef natural_t mach_msg_size_t;
typedef integer_t mach_msg_id_t;
typedef kern_return_t mach_msg_return_t;

#define MACH_MSG_SUCCESS            0x00000000

#define MACH_SEND_IN_PROGRESS       0x10000001
#define MACH_SEND_INVALID_DATA      0x10000002
#define MACH_SEND_INVALID_DEST      0x10000003
#define MACH_SEND_TIMED_OUT         0x10000004
#define MACH_SEND_INVALID_VOUCHER   0x10000005
#define MACH_SEND_INTERRUPTED       0x10000007
#define MACH_SEND_MSG_TOO_SMALL     0x10000008
#define MACH_SEND_INVALID_REPLY     0x10000009
#define MACH_SEND_INVALID_RIGHT     0x1000000a
#define MACH_SEND_INVALID_NOTIFY    0x1000000b
#define MACH_SEND_INVALID_MEMORY    0x1000000c
#define MACH_SEND_NO_BUFFER         0x1000000d
#define MACH_SEND_TOO_LARGE         0x1000000e
#define MACH_SEND_INVALID_TYPE      0x1000000f
#define MACH_SEND_INVALID_HEADER    0x10000010
#define MACH_SEND_INVALID_TRAILER   0x10000011

#define MACH_RCV_IN_PROGRESS        0x10004001
#define MACH_RCV_INVALID_NAME       0x10004002
#define MACH_RCV_TIMED_OUT          0x10004003
#define MACH_RCV_TOO_LARGE          0x10004004
#define MACH_RCV_INTERRUPTED        0x10004005
#define MACH_RCV_PORT_CHANGED       0x10004006
#define MACH_RCV_INVALID_NOTIFY     0x10004007
#define MACH_RCV_INVALID_DATA       0x10004008
#define MACH_RCV_PORT_DIED          0x10004009
#define MACH_RCV_IN_SET             0x1000400a
#define MACH_RCV_HEADER_ERROR       0x1000400b
#define MACH_RCV_BODY_ERROR         0x1000400c
#define MACH_RCV_INVALID_TYPE       0x1000400d
#define MACH_RCV_SCATTER_SMALL      0x1000400e
#define MACH_RCV_INVALID_TRAILER    0x1000400f

#endif
