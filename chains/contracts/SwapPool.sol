// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./ERC20.sol";

interface IPoolToken {
    function balanceOf(address account) external view returns (uint256);
    function transfer(address to, uint256 value) external returns (bool);
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// @title Constant-product swap pool between two tokens (e.g. WETH9 and the Stablecoin), after Uniswap V2.
/// @notice A Uniswap V2 pair with its router's conveniences folded in: tokens are ordered by address
///         (token0 < token1), liquidity shares are this contract's own ERC-20, the fee is 0.3% of
///         the input, and Mint, Burn, Swap and Sync have Uniswap V2's signatures, so DEX-trade
///         decoders written for mainnet read them unchanged. `swapExactIn` and `addLiquidity` pull
///         tokens with transferFrom (approve first); `swap` is V2's low-level swap (pay first, then
///         ask, checked against the invariant), without flash-swap callbacks.
contract SwapPool is ERC20 {
    uint256 public constant MINIMUM_LIQUIDITY = 1000;
    address public immutable token0;
    address public immutable token1;
    uint112 private reserve0;
    uint112 private reserve1;
    uint32 private blockTimestampLast;
    bool private _entered;

    event Mint(address indexed sender, uint256 amount0, uint256 amount1);
    event Burn(address indexed sender, uint256 amount0, uint256 amount1, address indexed to);
    event Swap(address indexed sender, uint256 amount0In, uint256 amount1In, uint256 amount0Out, uint256 amount1Out,
               address indexed to);
    event Sync(uint112 reserve0, uint112 reserve1);

    constructor(address tokenA, address tokenB) ERC20("Lab Swap Pool Share", "LAB-LP", 18) {
        if (tokenA == tokenB) _fail("identical tokens");
        if (tokenA == address(0) || tokenB == address(0)) _fail("token is the zero address");
        (token0, token1) = tokenA < tokenB ? (tokenA, tokenB) : (tokenB, tokenA);
    }

    function _label() internal pure override returns (string memory) {
        return "SwapPool";
    }

    modifier lock() {
        if (_entered) _fail("locked");
        _entered = true;
        _;
        _entered = false;
    }

    function getReserves() public view returns (uint112, uint112, uint32) {
        return (reserve0, reserve1, blockTimestampLast);
    }

    /// @notice Output for `amountIn` after the 0.3% fee, as Uniswap V2's getAmountOut.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) public pure returns (uint256) {
        if (amountIn == 0) _fail("insufficient input amount");
        if (reserveIn == 0 || reserveOut == 0) _fail("insufficient liquidity");
        uint256 amountInWithFee = amountIn * 997;
        return (amountInWithFee * reserveOut) / (reserveIn * 1000 + amountInWithFee);
    }

    /// @notice Quote `amountIn` of `tokenIn` at the current reserves.
    function quoteExactIn(address tokenIn, uint256 amountIn) external view returns (uint256) {
        (uint256 rIn, uint256 rOut) = _reservesFor(tokenIn);
        return getAmountOut(amountIn, rIn, rOut);
    }

    /// @notice Deposit up to the desired amounts at the current price (all of them into an empty
    ///         pool) and mint shares to `to`. Returns the amounts taken and the shares minted.
    function addLiquidity(uint256 amount0Desired, uint256 amount1Desired, address to)
        external
        lock
        returns (uint256 amount0, uint256 amount1, uint256 liquidity)
    {
        (uint256 r0, uint256 r1) = (reserve0, reserve1);
        if (r0 == 0 && r1 == 0) {
            (amount0, amount1) = (amount0Desired, amount1Desired);
        } else {
            uint256 amount1Optimal = (amount0Desired * r1) / r0;
            if (amount1Optimal <= amount1Desired) {
                (amount0, amount1) = (amount0Desired, amount1Optimal);
            } else {
                (amount0, amount1) = ((amount1Desired * r0) / r1, amount1Desired);
            }
        }
        if (amount0 == 0 || amount1 == 0) _fail("insufficient liquidity amounts");
        _pull(token0, amount0);
        _pull(token1, amount1);
        uint256 supply = totalSupply;
        if (supply == 0) {
            liquidity = _sqrt(amount0 * amount1);
            if (liquidity <= MINIMUM_LIQUIDITY) _fail("insufficient liquidity minted");
            liquidity -= MINIMUM_LIQUIDITY;
            // Locked for ever at the zero address, as in V2, so a share can never be worth absurd amounts.
            totalSupply += MINIMUM_LIQUIDITY;
            balanceOf[address(0)] += MINIMUM_LIQUIDITY;
            emit Transfer(address(0), address(0), MINIMUM_LIQUIDITY);
        } else {
            uint256 l0 = (amount0 * supply) / r0;
            uint256 l1 = (amount1 * supply) / r1;
            liquidity = l0 < l1 ? l0 : l1;
            if (liquidity == 0) _fail("insufficient liquidity minted");
        }
        _mint(to, liquidity);
        _update(r0 + amount0, r1 + amount1);
        emit Mint(msg.sender, amount0, amount1);
    }

    /// @notice Burn `liquidity` shares of the caller and pay out its part of both reserves to `to`.
    function removeLiquidity(uint256 liquidity, address to) external lock returns (uint256 amount0, uint256 amount1) {
        uint256 supply = totalSupply;
        if (liquidity == 0 || supply == 0) _fail("insufficient liquidity burned");
        amount0 = (liquidity * reserve0) / supply;
        amount1 = (liquidity * reserve1) / supply;
        if (amount0 == 0 || amount1 == 0) _fail("insufficient liquidity burned");
        _burn(msg.sender, liquidity);
        _push(token0, to, amount0);
        _push(token1, to, amount1);
        _update(uint256(reserve0) - amount0, uint256(reserve1) - amount1);
        emit Burn(msg.sender, amount0, amount1, to);
    }

    /// @notice Sell exactly `amountIn` of `tokenIn` (pulled from the caller) for at least `amountOutMin`.
    function swapExactIn(address tokenIn, uint256 amountIn, uint256 amountOutMin, address to)
        external
        lock
        returns (uint256 amountOut)
    {
        (uint256 rIn, uint256 rOut) = _reservesFor(tokenIn);
        amountOut = getAmountOut(amountIn, rIn, rOut);
        if (amountOut < amountOutMin) _fail("insufficient output amount");
        _pull(tokenIn, amountIn);
        if (tokenIn == token0) _swap(0, amountOut, to);
        else _swap(amountOut, 0, to);
    }

    /// @notice Uniswap V2's low-level swap: send the input to the pool first, then ask for outputs.
    function swap(uint256 amount0Out, uint256 amount1Out, address to) external lock {
        _swap(amount0Out, amount1Out, to);
    }

    /// @notice Match the reserves to the balances (tokens sent without a swap).
    function sync() external lock {
        _update(IPoolToken(token0).balanceOf(address(this)), IPoolToken(token1).balanceOf(address(this)));
    }

    function _swap(uint256 amount0Out, uint256 amount1Out, address to) private {
        if (amount0Out == 0 && amount1Out == 0) _fail("insufficient output amount");
        (uint256 r0, uint256 r1) = (reserve0, reserve1);
        if (amount0Out >= r0 || amount1Out >= r1) _fail("insufficient liquidity");
        if (to == token0 || to == token1) _fail("invalid to");
        if (amount0Out > 0) _push(token0, to, amount0Out);
        if (amount1Out > 0) _push(token1, to, amount1Out);
        uint256 b0 = IPoolToken(token0).balanceOf(address(this));
        uint256 b1 = IPoolToken(token1).balanceOf(address(this));
        uint256 amount0In = b0 > r0 - amount0Out ? b0 - (r0 - amount0Out) : 0;
        uint256 amount1In = b1 > r1 - amount1Out ? b1 - (r1 - amount1Out) : 0;
        if (amount0In == 0 && amount1In == 0) _fail("insufficient input amount");
        // The invariant after the 0.3% fee on the inputs, scaled by 1000 as in V2.
        uint256 adj0 = b0 * 1000 - amount0In * 3;
        uint256 adj1 = b1 * 1000 - amount1In * 3;
        if (adj0 * adj1 < r0 * r1 * 1_000_000) _fail("K");
        _update(b0, b1);
        emit Swap(msg.sender, amount0In, amount1In, amount0Out, amount1Out, to);
    }

    function _reservesFor(address tokenIn) private view returns (uint256, uint256) {
        if (tokenIn != token0 && tokenIn != token1) _fail("token not in pool");
        return tokenIn == token0 ? (uint256(reserve0), uint256(reserve1)) : (uint256(reserve1), uint256(reserve0));
    }

    function _update(uint256 b0, uint256 b1) private {
        if (b0 > type(uint112).max || b1 > type(uint112).max) _fail("overflow");
        reserve0 = uint112(b0);
        reserve1 = uint112(b1);
        blockTimestampLast = uint32(block.timestamp);
        emit Sync(reserve0, reserve1);
    }

    function _pull(address token, uint256 amount) private {
        _tokenCall(token, abi.encodeWithSelector(IPoolToken.transferFrom.selector, msg.sender, address(this), amount));
    }

    function _push(address token, address to, uint256 amount) private {
        _tokenCall(token, abi.encodeWithSelector(IPoolToken.transfer.selector, to, amount));
    }

    function _tokenCall(address token, bytes memory data) private {
        (bool ok, bytes memory ret) = token.call(data);
        if (!ok) {
            if (ret.length > 0) {
                assembly {
                    revert(add(ret, 32), mload(ret))
                }
            }
            _fail("token transfer failed");
        }
        if (ret.length > 0 && !abi.decode(ret, (bool))) _fail("token transfer returned false");
    }

    function _sqrt(uint256 y) private pure returns (uint256 z) {
        if (y > 3) {
            z = y;
            uint256 x = y / 2 + 1;
            while (x < z) {
                z = x;
                x = (y / x + x) / 2;
            }
        } else if (y != 0) {
            z = 1;
        }
    }
}
