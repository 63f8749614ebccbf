/* SPDX-License-Identifier: MIT */
/** @file xenpt.h  Umbrella header of libxenpt. */
#ifndef XENPT_XENPT_H
#define XENPT_XENPT_H

#include <xenpt/version.h>
#include <xenpt/types.h>
#include <xenpt/error.h>
#include <xenpt/source.h>
#include <xenpt/walk.h>
#include <xenpt/ptdump.h>
#include <xenpt/rmap.h>
#include <xenpt/p2m.h>
#include <xenpt/core.h>
#include <xenpt/synth.h>
#include <xenpt/sym.h>
#include <xenpt/kallsyms.h>
#include <xenpt/dis.h>

#endif
