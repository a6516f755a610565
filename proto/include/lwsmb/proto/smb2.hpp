// The SMB2/SMB3 wire codec (MS-SMB2 2.1, 2.2): everything in one include.
#pragma once

#include "lwsmb/proto/smb2_constants.hpp"
#include "lwsmb/proto/smb2_file.hpp"
#include "lwsmb/proto/smb2_header.hpp"
#include "lwsmb/proto/smb2_query.hpp"
#include "lwsmb/proto/smb2_session.hpp"
