# Writes the hand-made seeds of fuzz/corpus/fuzz_insn (record layout: fuzz_insn.c, step()).
import os, struct
d=os.path.join(os.path.dirname(os.path.abspath(__file__)),'corpus','fuzz_insn')
R=dict(VMXON=0,VMXOFF=1,VMCLEAR=2,VMPTRLD=3,VMPTRST=4,VMREAD=5,VMWRITE=6,VMLAUNCH=7,VMRESUME=8,INVEPT=9,INVVPID=10)
def ins(name, bp=False, mem=True, base=3, seg=3, r1=0, r2=1, tpage=0x20, ptr=None, rev=None,
        v1=None, f1=None, f2=None, t2=None, desc=None, movss=False, ilen=3, hostile=None):
    k=R[name] | (0x80 if bp else 0)
    bi=[0,1,2,3,6,7].index(base)
    o=next(x for x in range(256) if x%6==bi and (x>>3)%6==seg and bool(x&0x40)==mem)
    b=bytes([k,o,r1,r2]) + struct.pack('<H',0x100) + bytes([0,tpage])
    if ptr is None: b+=bytes([0])
    else: b+=bytes([1,0,ptr])
    if rev is None: b+=bytes([0])
    else: b+=bytes([1,0,rev])
    # reg1 value
    if f1 is not None: b+=bytes([1,f1])
    else: b+=bytes([0])+struct.pack('<Q', v1 or 0)
    # reg2 value
    if f2 is not None: b+=bytes([1,f2])
    else: b+=bytes([0, t2 or 0])
    if name in ('INVEPT','INVVPID'):
        if desc is None: b+=bytes([1])
        else: b+=bytes([0])+struct.pack('<Q',desc)
    b+=bytes([0x5a if movss else 0, 0])
    if not bp:
        b+=bytes([ilen, 0xee if hostile is not None else 0])
        if hostile is not None: b+=struct.pack('<I',hostile)
    else:
        b+=bytes([1])
    b+=bytes([0])+struct.pack('<H',0x8d5)
    return b
def header(slots=3,pol=0,mode=0): return bytes([slots,pol,mode,0])
RSP,TSC,TSCH,ERR=23,7,8,15
def session(bp, mode=0, pol=0, slots=3):
    s=header(slots,pol,mode)
    s+=ins('VMXON',bp,ptr=1)
    s+=ins('VMPTRLD',bp,ptr=2)
    s+=ins('VMWRITE',bp,mem=False,r1=1,r2=2,v1=0x1234,f2=RSP)
    s+=ins('VMWRITE',bp,mem=False,r1=1,r2=2,v1=0xffffffff,f2=TSCH)
    s+=ins('VMREAD',bp,mem=True,r2=2,f2=RSP)
    s+=ins('VMREAD',bp,mem=False,r1=1,r2=2,f2=ERR)
    s+=ins('VMPTRST',bp)
    s+=ins('VMPTRLD',bp,ptr=3)
    s+=ins('VMWRITE',bp,mem=True,r2=2,f2=RSP)
    s+=ins('VMPTRLD',bp,ptr=4)
    s+=ins('VMPTRLD',bp,ptr=5)
    s+=ins('VMLAUNCH',bp,mem=False)
    s+=ins('VMRESUME',bp,mem=False)
    s+=ins('INVEPT',bp,r2=2,t2=1,desc=0x5000|0x1e)
    s+=ins('INVEPT',bp,r2=2,t2=2,desc=0)
    s+=ins('INVVPID',bp,r2=2,t2=0,desc=1)
    s+=ins('INVVPID',bp,r2=2,t2=1,desc=0)
    s+=ins('VMCLEAR',bp,ptr=2)
    s+=ins('VMCLEAR',bp,ptr=1)
    s+=ins('VMPTRLD',bp,ptr=1)
    s+=ins('VMXON',bp,ptr=1)
    s+=ins('VMXOFF',bp,mem=False)
    return s
seeds={}
for bp in (False,True):
    for mode in (0,4,5,6,7):
        seeds['session_%s_mode%d'%('bytes' if bp else 'info',mode)]=session(bp,mode)
seeds['session_policy_all']=session(False,0,0x1f)
seeds['session_one_slot']=session(False,0,0,0)
seeds['session_bytes_policy']=session(True,0,0x1f,1)
# faults: operands outside memory, non-canonical
s=header()+ins('VMXON',ptr=1)+ins('VMPTRST',tpage=0xff)+ins('VMPTRLD',ptr=0x90)
seeds['faults']=s
s=header()+ins('VMXON',ptr=1)+ins('VMPTRLD',ptr=2)+ins('VMREAD',hostile=0xffffffff)+ins('VMWRITE',hostile=0x12345678)
seeds['hostile_info']=s
s=header()+ins('VMXON',ptr=1)+ins('VMPTRLD',ptr=2)+ins('VMLAUNCH',mem=False,movss=True)
seeds['movss']=s
for n,b in seeds.items():
    open(os.path.join(d,n),'wb').write(b)
print(len(seeds))
