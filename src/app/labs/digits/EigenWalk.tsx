/**
 * One eigenvector of the posterior covariance with its walk: the images mean − 2√λ v and mean + 2√λ v on either
 * side, each with the classifier's label, so a direction that morphs one digit into another shows as two digits.
 */
import type { DigitPosterior } from '../../../models/digits/analysis.ts';
import { NOISE_ALIGNED } from '../../../models/digits/posterior.ts';
import { imageAt } from './images.ts';
import { ImageView } from './ImageView.tsx';

export function EigenWalk({ post, j }: { post: DigitPosterior; j: number }) {
  const [minus, plus] = post.walkLabels[j];
  const lambda = post.eigenvalues[j];
  return (
    <div className={`dlab-walk${minus !== plus ? ' morphs' : ''}`} data-testid={`d-walk-${j}`} data-classes={`${minus},${plus}`}>
      <ImageView values={imageAt(post.walks, 2 * j)} caption={`− : ${minus}`} size={56} range={[0, 1]} title={`mean − ${post.walkStd}√λ v`} />
      <ImageView
        values={imageAt(post.eigenvectors, j)}
        map="diverging"
        caption={`λ${j + 1} = ${lambda.toExponential(2)}${post.noiseAlignment[j] > NOISE_ALIGNED ? ' (∥ noise)' : ''}`}
        testId={`d-eig-${j}`}
        size={96}
      />
      <ImageView values={imageAt(post.walks, 2 * j + 1)} caption={`+ : ${plus}`} size={56} range={[0, 1]} title={`mean + ${post.walkStd}√λ v`} />
    </div>
  );
}
