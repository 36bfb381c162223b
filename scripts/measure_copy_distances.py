import io, itertools
import numpy as np
from PIL import Image
from provenance.content.fingerprint import fingerprint_of_image, iscc_bits
from skimage import data
faces = data.lfw_subset()[:40]
imgs = [Image.fromarray((f*255).astype(np.uint8)).resize((128,128)) for f in faces]
def d(a,b): return bin(iscc_bits(a.iscc)^iscc_bits(b.iscc)).count("1")
res={"resave":[], "jpeg_up":[], "half":[], "crop10":[], "crop5":[]}
fps=[fingerprint_of_image(i) for i in imgs]
for im, fp in zip(imgs, fps):
    b=io.BytesIO(); im.resize((512,512)).save(b,"JPEG",quality=85); res["jpeg_up"].append(d(fp, fingerprint_of_image(Image.open(io.BytesIO(b.getvalue())))))
    res["half"].append(d(fp, fingerprint_of_image(im.resize((64,64)))))
    w,h=im.size; res["crop10"].append(d(fp, fingerprint_of_image(im.crop((w//20,h//20,w-w//20,h-h//20)))))
    res["crop5"].append(d(fp, fingerprint_of_image(im.crop((w//40,h//40,w-w//40,h-h//40)))))
for k,v in res.items(): 
    if v: print(k, max(v), sorted(v)[len(v)//2])
others=[d(a,b) for a,b in itertools.combinations(fps,2)]
print("others min", min(others), "p1", sorted(others)[len(others)//100], "median", sorted(others)[len(others)//2])
print("crop5 <=8:", sum(x<=8 for x in res["crop5"]), "of", len(res["crop5"]), "others <=8:", sum(x<=8 for x in others), "<=10:", sum(x<=10 for x in others), len(others))
import iscc_core
print(iscc_core.iscc_distance(fps[0].iscc, fps[1].iscc), d(fps[0],fps[1]))
